import HeraldCore
import HeraldDelivery
import Testing

@Suite struct AttemptAccountingTests {
    let policy = RetryPolicy(schedule: [.seconds(5), .seconds(30)], maxAttempts: 3, jitter: 0)

    @Test func anEndpointFailureUsesAnAttemptAndTheLastOneDeadLetters() {
        let first = AttemptAccounting(policy: policy, attemptsBefore: 0)
        #expect(first.attempts(charged: .endpoint) == 1)
        #expect(first.afterFailure(charged: .endpoint, retryAfter: nil) == .retry(after: .seconds(5)))
        let last = AttemptAccounting(policy: policy, attemptsBefore: 2)
        #expect(last.attempts(charged: .endpoint) == 3)
        #expect(last.afterFailure(charged: .endpoint, retryAfter: nil) == .deadLetter)
    }

    /// An open breaker, an unreachable registry or an unopenable secret: however long it lasts,
    /// the task keeps its attempts and is retried, never dead-lettered.
    @Test func heraldsOwnFailureNeitherUsesAnAttemptNorDeadLetters() {
        for before: Int32 in [0, 1, 2, 50] {
            let accounting = AttemptAccounting(policy: policy, attemptsBefore: before)
            #expect(accounting.attempts(charged: .herald) == before)
            guard case .retry = accounting.afterFailure(charged: .herald, retryAfter: nil) else {
                Issue.record("dead-lettered after \(before) attempts for a failure of Herald's own")
                continue
            }
        }
        let waiting = AttemptAccounting(policy: policy, attemptsBefore: 2)
        #expect(waiting.afterFailure(charged: .herald, retryAfter: .seconds(12)) == .retry(after: .seconds(12)), "an open breaker's wait")
        #expect(waiting.afterFailure(charged: .herald, retryAfter: nil) == .retry(after: .seconds(30)), "the schedule's delay after the attempts used")
        #expect(AttemptAccounting(policy: policy, attemptsBefore: 0).afterFailure(charged: .herald, retryAfter: nil) == .retry(after: .seconds(5)))
    }
}
