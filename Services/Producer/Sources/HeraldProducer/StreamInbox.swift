import HeraldProtos
import Synchronization

/// The events of one `PublishStream` between the task that reads requests and the task that
/// encodes them, plus the stream's window over unanswered events. The reader appends each event
/// and stops while `window` received events are unanswered; the encoder takes everything
/// received so far at once (a run); the writer releases the events it answered. Only waiting
/// costs a continuation: a stream that keeps up appends and takes without suspending.
final class StreamInbox: Sendable {
    private struct State {
        var received: [Herald_V1_Event] = []
        /// Received and not yet answered (taken or not).
        var unanswered = 0
        /// The client sent its last request.
        var ended = false
        /// The answering side is gone: nothing more is read or handed out.
        var closed = false
        var reader: CheckedContinuation<Void, Never>?
        /// The encoder, waiting for events; only while `received` is empty.
        var taker: CheckedContinuation<[Herald_V1_Event]?, Never>?

        enum Take {
            case events([Herald_V1_Event])
            case end
            case wait
        }

        mutating func take() -> Take {
            if closed { return .end }
            if !received.isEmpty {
                defer { received = [] }
                return .events(received)
            }
            return ended ? .end : .wait
        }
    }

    private let window: Int
    private let state = Mutex(State())

    init(window: Int) {
        self.window = max(1, window)
    }

    /// Adds a received event; returns once fewer than `window` events are unanswered. False when
    /// the stream is closed: stop reading.
    func append(_ event: Herald_V1_Event) async -> Bool {
        let (taker, full) = state.withLock { state -> (CheckedContinuation<[Herald_V1_Event]?, Never>?, Bool?) in
            guard !state.closed else { return (nil, nil) }
            state.unanswered += 1
            let full = state.unanswered >= window
            guard let taker = state.taker else {
                state.received.append(event)
                return (nil, full)
            }
            state.taker = nil
            return (taker, full)
        }
        guard let full else { return false }
        taker?.resume(returning: [event])
        if full { await waitForRoom() }
        return true
    }

    private func waitForRoom() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let proceed = state.withLock { state in
                if state.closed || state.unanswered < window { return true }
                state.reader = continuation
                return false
            }
            if proceed { continuation.resume() }
        }
    }

    /// Every event received and not taken yet, in order, waiting while there is none; nil once
    /// the requests ended and all were taken, or the stream closed.
    func takeReceived() async -> [Herald_V1_Event]? {
        switch state.withLock({ $0.take() }) {
        case .events(let events): return events
        case .end: return nil
        case .wait: break
        }
        return await withCheckedContinuation { continuation in
            let take = state.withLock { state in
                let take = state.take()
                if case .wait = take { state.taker = continuation }
                return take
            }
            switch take {
            case .events(let events): continuation.resume(returning: events)
            case .end: continuation.resume(returning: nil)
            case .wait: break
            }
        }
    }

    /// `count` events were answered: the reader may go on.
    func release(_ count: Int) {
        let reader = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.unanswered -= count
            guard state.unanswered < window else { return nil }
            defer { state.reader = nil }
            return state.reader
        }
        reader?.resume()
    }

    /// The client sent its last request.
    func endOfRequests() {
        let taker = state.withLock { state in
            state.ended = true
            defer { state.taker = nil }
            return state.taker
        }
        taker?.resume(returning: nil)
    }

    /// The answering side is gone (the stream failed): wakes and stops both other stages.
    func close() {
        let (reader, taker) = state.withLock { state in
            state.closed = true
            defer {
                state.reader = nil
                state.taker = nil
            }
            return (state.reader, state.taker)
        }
        reader?.resume()
        taker?.resume(returning: nil)
    }
}
