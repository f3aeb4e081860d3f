// Runs async work from a synchronous command and waits for its result; with `cancelOnSignals`,
// SIGINT and SIGTERM cancel it (the work ends cleanly, its result is still returned). The one
// bridge from the commands' synchronous `run()` to async work.
import Foundation
import Synchronization

/// `onSignal` runs (on a dispatch queue) for each SIGTERM/SIGINT before the work is cancelled.
func runBlocking<T: Sendable>(
  cancelOnSignals: Bool = false, onSignal: (@Sendable (Int32) -> Void)? = nil,
  _ body: @escaping @Sendable () async throws -> T
) throws -> T {
  let result = Mutex<Result<T, Error>?>(nil)
  let done = DispatchSemaphore(value: 0)
  if cancelOnSignals {
    signal(SIGTERM, SIG_IGN)
    signal(SIGINT, SIG_IGN)
  }
  let task = Task {
    let r: Result<T, Error>
    do { r = .success(try await body()) } catch { r = .failure(error) }
    result.withLock { $0 = r }
    done.signal()
  }
  var signals: [DispatchSourceSignal] = []
  if cancelOnSignals {
    for number in [SIGTERM, SIGINT] {
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler {
        onSignal?(number)
        task.cancel()
      }
      source.resume()
      signals.append(source)
    }
  }
  done.wait()
  for s in signals { s.cancel() }
  return try result.withLock { $0! }.get()
}

/// Sleeps until the surrounding task is cancelled (by a signal, under `runBlocking(cancelOnSignals: true)`).
func untilCancelled() async {
  while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
}
