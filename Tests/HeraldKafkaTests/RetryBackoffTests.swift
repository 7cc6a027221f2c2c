@testable import HeraldKafka
import Testing

@Suite struct RetryBackoffTests {
    @Test func doublesUpToTheLongestWaitThenStops() {
        var backoff = RetryBackoff(first: .milliseconds(50), longest: .milliseconds(300), maxRetries: 5)
        var waits: [Duration] = []
        while let wait = backoff.next() { waits.append(wait) }
        #expect(waits == [.milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(300), .milliseconds(300)])
        #expect(backoff.next() == nil && backoff.retries == 5)
    }

    @Test func theCommitRetryIsBounded() {
        var backoff = TransactionalProducer.commitBackoff
        var total = Duration.zero
        var count = 0
        while let wait = backoff.next() { total += wait; count += 1 }
        #expect(count == 10 && total <= .seconds(30))
    }
}
