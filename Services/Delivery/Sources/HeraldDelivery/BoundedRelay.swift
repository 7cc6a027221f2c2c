import Synchronization

/// Hands elements from a fast source to a consumer that may be slow, through a buffer of at most
/// `capacity` elements: a consumer that falls further behind is cut off (`overflowed`) instead of
/// the buffer growing without limit.
final class BoundedRelay<Element: Sendable>: Sendable {
    let elements: AsyncStream<Element>
    private let input: AsyncStream<Element>.Continuation
    private let overflow = Atomic<Bool>(false)

    init(capacity: Int) {
        (elements, input) = AsyncStream.makeStream(of: Element.self, bufferingPolicy: .bufferingOldest(max(1, capacity)))
    }

    /// Whether the consumer fell behind and the relay ended.
    var overflowed: Bool { overflow.load(ordering: .acquiring) }

    /// Passes `element` on; `false` once the relay has ended (finished, or the consumer fell behind).
    @discardableResult
    func yield(_ element: Element) -> Bool {
        switch input.yield(element) {
        case .enqueued: return true
        case .dropped:
            overflow.store(true, ordering: .releasing)
            input.finish()
            return false
        case .terminated: return false
        @unknown default: return false
        }
    }

    func finish() { input.finish() }
}
