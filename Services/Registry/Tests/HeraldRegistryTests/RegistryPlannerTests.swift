@testable import HeraldRegistry
import Testing

/// The leader's decisions, against a state built in memory.
@Suite struct RegistryPlannerTests {
    @Test func refusesANewSchemaOnceEveryThirtyTwoBitIDIsGiven() throws {
        var state = RegistryState()
        state.apply(.idWatermark(Int(Int32.max)))
        let error = #expect(throws: RegistryError.self) {
            try RegistryPlanner.register(Registration(subject: "s", schema: #""int""#), in: state)
        }
        #expect(error?.code == .storeError)
    }
}
