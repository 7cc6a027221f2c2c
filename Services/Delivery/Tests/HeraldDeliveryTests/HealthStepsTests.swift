@testable import HeraldDelivery
import HeraldProtos
import SwiftProtobuf
import Testing

/// A health window cut into steps, without a database.
@Suite struct HealthStepsTests {
    @Test func eachStepHasItsOwnRequestsAndPercentilesAndEmptyStepsStay() throws {
        let steps = try #require(HealthSteps(sinceMicros: 1_000_000_000, windowMicros: 180_000_000, stepMicros: 60_000_000))
        // Step 0: 100 requests of 1..100 ms; step 1: none; step 2: one of 7 ms; one before the window.
        let first = (1...100).map { (attemptedMicros: Int64(1_000_000_000 + $0), durationMicros: Int64($0) * 1000) }
        let answer = steps.steps(first + [(1_000_000_000 + 150_000_000, 7000), (999_999_999, 9_000_000)])
        #expect(answer.map(\.requests) == [100, 0, 1])
        #expect(answer.map { $0.start.seconds } == [1000, 1060, 1120])
        #expect(answer[0].p50Duration.nanos == 50_000_000 && answer[0].p99Duration.nanos == 99_000_000)
        #expect(!answer[1].hasP50Duration && !answer[1].hasP99Duration)
        #expect(answer[2].p50Duration.nanos == 7_000_000 && answer[2].p99Duration.nanos == 7_000_000)
    }

    @Test func stepsUnderASecondOrTooManyAreRefused() {
        #expect(HealthSteps(sinceMicros: 0, windowMicros: 3_600_000_000, stepMicros: 999_999) == nil)
        #expect(HealthSteps(sinceMicros: 0, windowMicros: 3_600_000_000, stepMicros: 1_000_000) == nil, "3600 steps")
        #expect(HealthSteps(sinceMicros: 0, windowMicros: 3_600_000_000, stepMicros: 60_000_000)?.count == 60)
        // A window that does not divide evenly gets a last, shorter step.
        #expect(HealthSteps(sinceMicros: 0, windowMicros: 90_000_000, stepMicros: 60_000_000)?.count == 2)
    }
}
