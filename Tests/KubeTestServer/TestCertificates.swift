// Makes a throwaway PKI for TLS tests with /usr/bin/openssl: a CA, a server certificate for
// 127.0.0.1/localhost and a client certificate, all signed by the CA, as PEM files in a temp folder.
import Foundation

/// PEM file paths of a CA, a server certificate and a client certificate.
public struct TestCertificates: Sendable {
  public var directory: String
  public var caCertificate: String { directory + "/ca.crt" }
  public var serverCertificate: String { directory + "/server.crt" }
  public var serverKey: String { directory + "/server.key" }
  public var clientCertificate: String { directory + "/client.crt" }
  public var clientKey: String { directory + "/client.key" }

  /// The server's TLS files, accepting client certificates signed by the CA.
  public var serverFiles: ServerTLSFiles {
    ServerTLSFiles(certificate: serverCertificate, privateKey: serverKey, clientCA: caCertificate)
  }

  /// Generates the CA and both certificates (EC P-256 keys, valid for one day).
  public static func generate() throws -> TestCertificates {
    let directory = NSTemporaryDirectory() + "kproxy-pki-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let pki = TestCertificates(directory: directory)
    try openssl(
      in: directory, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=kproxy-test-ca")
    try pki.issue("server", subject: "/CN=127.0.0.1", extensions: "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth")
    try pki.issue("client", subject: "/CN=kproxy/O=system:node-proxier", extensions: "extendedKeyUsage=clientAuth")
    return pki
  }

  private func issue(_ name: String, subject: String, extensions: String) throws {
    try openssl(
      in: directory, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", subject)
    try Data(extensions.utf8).write(to: URL(fileURLWithPath: "\(directory)/\(name).ext"))
    try Self.openssl(
      in: directory, "x509", "-req", "-in", "\(name).csr", "-CA", "ca.crt", "-CAkey", "ca.key",
      "-CAcreateserial", "-out", "\(name).crt", "-days", "1", "-extfile", "\(name).ext")
  }

  private func openssl(in directory: String, _ arguments: String...) throws {
    try Self.run(directory, arguments)
  }

  private static func openssl(in directory: String, _ arguments: String...) throws {
    try run(directory, arguments)
  }

  private static func run(_ directory: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    process.standardOutput = FileHandle.nullDevice
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    let message = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw CertificateError(message: "openssl \(arguments.joined(separator: " ")): " + String(decoding: message, as: UTF8.self))
    }
  }
}

struct CertificateError: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}
