import HeraldProtos
@testable import HeraldRuntime
import Testing

/// A prerequisite holds every service NOT_SERVING, whatever it said, until it is satisfied; the
/// overall status and `Watch` streams follow.
struct HealthStatusTests {
    @Test func aPendingPrerequisiteHoldsEveryServiceUntilSatisfied() async {
        let health = HealthStatus(services: ["herald.v1.A", "herald.v1.B"])
        health.require("keys replayed")
        var updates = health.updates(for: "herald.v1.A").makeAsyncIterator()
        #expect(await updates.next() == .notServing)

        health.setAll(.serving)
        #expect(health.status(of: "herald.v1.A") == .notServing)
        #expect(health.all == ["herald.v1.A": .notServing, "herald.v1.B": .notServing, "": .notServing])
        #expect(await updates.next() == .notServing)

        health.satisfy("keys replayed")
        #expect(health.isServing)
        #expect(health.all == ["herald.v1.A": .serving, "herald.v1.B": .serving, "": .serving])
        #expect(await updates.next() == .serving)
    }

    @Test func everyPrerequisiteMustBeSatisfiedAndAServiceNotServingStaysSo() {
        let health = HealthStatus(services: ["herald.v1.A", "herald.v1.B"])
        health.require("one")
        health.require("two")
        health.set(.serving, for: "herald.v1.A")
        health.satisfy("one")
        health.satisfy("one")
        #expect(health.status(of: "herald.v1.A") == .notServing)
        health.satisfy("two")
        #expect(health.status(of: "herald.v1.A") == .serving)
        #expect(health.status(of: "herald.v1.B") == .notServing)
        #expect(!health.isServing)
        #expect(health.status(of: "herald.v1.Unknown") == nil)
    }

    @Test func withoutServicesNothingIsServing() {
        #expect(!HealthStatus(services: []).isServing)
    }
}
