@testable import HeraldDelivery
import HeraldProtos
import SwiftProtobuf
import Testing

/// The delivery log's answers for a batch of tasks: a delivery asked and found, asked and not
/// stored (a new delivery: attempt it), and not asked (read on its own).
@Suite struct LoggedStatusesTests {
    @Test func anAnswerTellsStoredAbsentAndNotAskedApart() {
        let dead = Herald_V1_DeliveryRecord.with { $0.deliveryID = "d-1"; $0.state = .dead }
        let logged = LoggedStatuses(asked: ["d-1", "d-2"], found: [dead])
        #expect(logged.answer(for: "d-1") == .answered(dead))
        #expect(logged.answer(for: "d-2") == .answered(nil))
        #expect(logged.answer(for: "d-3") == .notAsked)
        #expect(LoggedStatuses.none.answer(for: "d-1") == .notAsked)
    }
}
