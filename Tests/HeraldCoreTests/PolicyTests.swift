import Foundation
import HeraldCore
import Testing

@Suite struct RetryPolicyTests {
    @Test func followsTheScheduleWithinTwentyPercentJitterThenDeadLetters() {
        let policy = RetryPolicy()
        #expect(policy.maxAttempts == 10)
        for (index, base) in RetryPolicy.defaultSchedule.enumerated() {
            for random in [0.0, 0.5, 1.0] {
                guard case .retry(let delay) = policy.decide(attemptsMade: index + 1, random: random) else {
                    Issue.record("attempt \(index + 1) should retry"); continue
                }
                #expect(delay >= base * 0.8 && delay <= base * 1.2, "attempt \(index + 1): \(delay) vs \(base)")
            }
        }
        #expect(policy.decide(attemptsMade: 1, random: 0) == .retry(after: .seconds(4)))
        #expect(policy.decide(attemptsMade: 1, random: 1) == .retry(after: .seconds(6)))
        #expect(policy.decide(attemptsMade: 10) == .deadLetter)
    }

    @Test func aShortScheduleRepeatsItsLastDelayAndRetryAfterWins() {
        let policy = RetryPolicy(schedule: [.milliseconds(100)], maxAttempts: 4, jitter: 0)
        #expect(policy.decide(attemptsMade: 3) == .retry(after: .milliseconds(100)))
        #expect(policy.decide(attemptsMade: 4) == .deadLetter)
        #expect(policy.decide(attemptsMade: 1, retryAfter: .seconds(7)) == .retry(after: .seconds(7)))
        #expect(policy.decide(attemptsMade: 1, retryAfter: .seconds(999_999)) == .retry(after: .seconds(86_400)))
    }

    @Test func anOutOfRangeStoredDelayIsClampedInsteadOfOverflowing() {
        let policy = RetryPolicy(schedule: [.seconds(10_000_000_000_000_000), .zero], maxAttempts: 5, jitter: 0.2)
        #expect(policy.schedule == [RetryPolicy.longestDelay, RetryPolicy.shortestDelay])
        for random in [0.0, 1.0] {
            guard case .retry(let delay) = policy.decide(attemptsMade: 1, random: random) else { Issue.record("must retry"); continue }
            #expect(delay <= RetryPolicy.longestDelay * 1.2)
        }
        #expect(policy.decide(attemptsMade: 2, random: 1) == .retry(after: .milliseconds(1)))
    }

    @Test func theAPIRangeForAScheduleEntryIsOneNanosecondToTheLongestDelay() {
        #expect(RetryPolicy.problem(seconds: 0, nanos: 1) == nil)
        #expect(RetryPolicy.problem(seconds: 86_400, nanos: 0) == nil)
        #expect(RetryPolicy.problem(seconds: 86_400, nanos: 1)?.contains("at most 86400 s") == true)
        #expect(RetryPolicy.problem(seconds: 10_000_000_000_000_000, nanos: 0) != nil)
        #expect(RetryPolicy.problem(seconds: 0, nanos: 0) == "must be positive")
        #expect(RetryPolicy.problem(seconds: -1, nanos: 0) == "must be positive")
        #expect(RetryPolicy.problem(seconds: 1, nanos: 1_000_000_000) == "must be positive")
    }

    @Test func retryAfterIsSecondsOrAnHTTPDate() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(RetryPolicy.parseRetryAfter("120", now: now) == .seconds(120))
        #expect(RetryPolicy.parseRetryAfter(" 0 ", now: now) == .zero)
        #expect(RetryPolicy.parseRetryAfter("-3", now: now) == nil)
        #expect(RetryPolicy.parseRetryAfter("soon", now: now) == nil)
        // 1_700_000_000 is Tue, 14 Nov 2023 22:13:20 GMT.
        #expect(RetryPolicy.parseRetryAfter("Tue, 14 Nov 2023 22:13:50 GMT", now: now) == .seconds(30))
    }

    @Test(arguments: [(200, AttemptOutcome.succeeded), (204, .succeeded), (410, .gone), (429, .failed(retryAfter: nil)),
                      (500, .failed(retryAfter: nil)), (503, .failed(retryAfter: nil)), (400, .failed(retryAfter: nil)),
                      (404, .failed(retryAfter: nil)), (301, .failed(retryAfter: nil))])
    func statusCodesMapToOutcomes(status: Int, outcome: AttemptOutcome) {
        #expect(AttemptOutcome.classify(status: status, retryAfter: nil) == outcome)
    }

    @Test func tiersHoldDelaysAtLeastTheirOwn() {
        let tiers = RetryTiers()
        #expect(tiers.topics.first == "herald.deliveries.retry.5s")
        #expect(tiers.topics.last == "herald.deliveries.retry.8h")
        #expect(tiers.topics.contains("herald.deliveries.retry.2m"))
        #expect(tiers.tier(for: .seconds(1)) == 0)
        #expect(tiers.tier(for: .seconds(29)) == 0)
        #expect(tiers.tier(for: .seconds(30)) == 1)
        #expect(tiers.tier(for: .seconds(100_000)) == tiers.delays.count - 1)
        #expect(RetryTiers.label(.milliseconds(250)) == "250ms")
    }
}

@Suite struct TokenBucketAndBreakerTests {
    @Test func bucketAllowsABurstThenPacesAtTheRate() {
        let start = ContinuousClock.now
        var bucket = TokenBucket(rate: 2, burst: 2, now: start)
        #expect(bucket.reserve(now: start) == .zero)
        #expect(bucket.reserve(now: start) == .zero)
        #expect(bucket.reserve(now: start) == .milliseconds(500))
        #expect(bucket.reserve(now: start) == .seconds(1))
        // After 1 s two tokens came back, both already promised to the waiters.
        #expect(bucket.reserve(now: start + .seconds(1)) == .milliseconds(500))
        var unlimited = TokenBucket(rate: 0, now: start)
        for _ in 0..<100 { #expect(unlimited.reserve(now: start) == .zero) }
    }

    @Test func aTinyStoredRateRunsAtTheMinimumRateInsteadOfOverflowing() {
        let start = ContinuousClock.now
        var bucket = TokenBucket(rate: 1e-10, now: start)
        #expect(bucket.rate == TokenBucket.minimumRate)
        #expect(bucket.reserve(now: start) == .zero)
        #expect(bucket.reserve(now: start) == .seconds(100))
        #expect(TokenBucket.effectiveRate(.nan) == 0 && TokenBucket.effectiveRate(-3) == 0 && TokenBucket.effectiveRate(5) == 5)
        var huge = TokenBucket(rate: 1e300, now: start)
        #expect(huge.reserve(now: start) == .zero)
    }

    @Test func breakerOpensAfterConsecutiveFailuresAndProbesOnce() {
        let t0 = ContinuousClock.now
        var breaker = CircuitBreaker(failureThreshold: 3, openDuration: .seconds(10))
        breaker.recordFailure(now: t0)
        breaker.recordFailure(now: t0)
        breaker.recordSuccess()
        breaker.recordFailure(now: t0)
        breaker.recordFailure(now: t0)
        #expect(breaker.permit(now: t0) == .allowed, "a success resets the count")
        breaker.recordFailure(now: t0)
        #expect(breaker.isOpen)
        #expect(breaker.permit(now: t0 + .seconds(9)) == .refused(until: t0 + .seconds(10)))
        #expect(breaker.permit(now: t0 + .seconds(10)) == .allowed, "the probe")
        if case .refused = breaker.permit(now: t0 + .seconds(10)) {} else { Issue.record("a second request during the probe must wait") }
        breaker.recordFailure(now: t0 + .seconds(11))
        #expect(breaker.permit(now: t0 + .seconds(20)) == .refused(until: t0 + .seconds(21)), "a failed probe opens it again")
        #expect(breaker.permit(now: t0 + .seconds(21)) == .allowed)
        breaker.recordSuccess()
        #expect(breaker.permit(now: t0 + .seconds(21)) == .allowed)
        #expect(breaker.permit(now: t0 + .seconds(21)) == .allowed, "closed again: no probe limit")
    }
}
