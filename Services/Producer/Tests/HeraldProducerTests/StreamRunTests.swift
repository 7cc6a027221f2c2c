import GRPCCore
import HeraldKafka
@testable import HeraldProducer
import HeraldProtos
import SwiftProtobuf
import Testing

/// A stream's run and its inbox, without I/O: what each event of a run is answered, and how the
/// inbox hands received events over and closes.
@Suite(.timeLimit(.minutes(1))) struct StreamRunTests {
    static func record(_ bytes: Int) -> ProducerRecord {
        ProducerRecord(topic: "t", partition: 0, key: [1, 2], value: Array(repeating: 0, count: bytes - 2))
    }

    static let invalid = PublishError(.invalidArgument, "event.data does not match schema 1: missing field")

    /// Accepted, rejected, accepted, accepted, rejected: the reports go to the accepted events in order.
    static func mixedRun() -> StreamRun {
        var run = StreamRun()
        run.accept(id: "e-0", schemaID: 7, record: record(10))
        run.reject(id: "e-1", invalid)
        run.accept(id: "e-2", schemaID: 7, record: record(10))
        run.accept(id: "e-3", schemaID: 8, record: record(10))
        run.reject(id: "e-4", PublishError(.resourceExhausted, "event.data: too big"))
        return run
    }

    @Test func committedRunAnswersEachEventAtItsIndex() {
        let run = Self.mixedRun()
        #expect(run.records.count == 3)
        let reports = [(2, 40), (0, 41), (2, 41)].map { DeliveryReport(topic: "t", partition: Int32($0.0), offset: Int64($0.1)) }
        let answers = run.responses(.success(reports))
        #expect(answers.map(\.id) == ["e-0", "e-1", "e-2", "e-3", "e-4"])
        #expect(answers.map(\.errorCode) == [0, Int32(RPCError.Code.invalidArgument.rawValue), 0, 0, Int32(RPCError.Code.resourceExhausted.rawValue)])
        #expect(answers[1].errorMessage == Self.invalid.message)
        #expect(answers.map(\.partition) == [2, 0, 0, 2, 0])
        #expect(answers.map(\.offset) == [40, 0, 41, 41, 0])
        #expect(answers.map(\.schemaID) == [7, 0, 7, 8, 0])
    }

    @Test func failedTransactionFailsEveryAcceptedEventAndKeepsEachRejection() {
        let answers = Self.mixedRun().responses(.failure(PublishError(.unavailable, "nothing was written: aborted")))
        let unavailable = Int32(RPCError.Code.unavailable.rawValue)
        #expect(answers.map(\.errorCode) == [unavailable, Int32(RPCError.Code.invalidArgument.rawValue), unavailable, unavailable, Int32(RPCError.Code.resourceExhausted.rawValue)])
        #expect(answers[0].errorMessage == "nothing was written: aborted")
        #expect(answers.allSatisfy { $0.offset == 0 && $0.partition == 0 })
    }

    @Test func runStaysWithinTheTransactionBounds() {
        var run = StreamRun()
        #expect(run.hasRoom(for: Self.record(500), maxRecords: 2, maxBytes: 100), "an empty run takes any record")
        run.accept(id: "a", schemaID: 1, record: Self.record(60))
        #expect(!run.hasRoom(for: Self.record(41), maxRecords: 2, maxBytes: 100))
        #expect(run.hasRoom(for: Self.record(40), maxRecords: 2, maxBytes: 100))
        run.accept(id: "b", schemaID: 1, record: Self.record(40))
        #expect(!run.hasRoom(for: Self.record(3), maxRecords: 2, maxBytes: 1000))
        // Rejected events carry no record and take no room.
        run.reject(id: "c", Self.invalid)
        #expect(run.bytes == 100 && run.records.count == 2)
    }

    @Test func submittedRunWithoutRecordsIsAnsweredAtOnce() async {
        var run = StreamRun()
        run.reject(id: "x", Self.invalid)
        let answers = await SubmittedRun(run).responses
        #expect(answers.map(\.id) == ["x"])
    }

    @Test func submittedRunWaitsForItsTransaction() async {
        let submitted = SubmittedRun(Self.mixedRun())
        async let answers = submitted.responses
        submitted.transactionEnded(.failure(PublishError(.unavailable, "aborted")))
        #expect(await answers.map(\.errorCode).filter { $0 == Int32(RPCError.Code.unavailable.rawValue) }.count == 3)
    }

    static func event(_ id: String) -> Herald_V1_Event { .with { $0.id = id } }

    @Test func inboxHandsOverEverythingReceivedAsOneRunInOrder() async {
        let inbox = StreamInbox(window: 10)
        for id in ["a", "b", "c"] { #expect(await inbox.append(Self.event(id))) }
        #expect(await inbox.takeReceived()?.map(\.id) == ["a", "b", "c"])
        #expect(await inbox.append(Self.event("d")))
        inbox.endOfRequests()
        #expect(await inbox.takeReceived()?.map(\.id) == ["d"])
        #expect(await inbox.takeReceived() == nil)
    }

    @Test func inboxReaderWaitsForTheWindowAndCloseStopsEveryStage() async {
        let inbox = StreamInbox(window: 2)
        #expect(await inbox.append(Self.event("a")))
        // The second event fills the window: its append returns only once an answer is released.
        async let second = inbox.append(Self.event("b"))
        #expect(await inbox.takeReceived()?.map(\.id).first == "a")
        inbox.release(1)
        #expect(await second)
        // A closed inbox wakes a waiting taker and refuses further events.
        async let taken = inbox.takeReceived()
        inbox.close()
        _ = await taken
        #expect(await inbox.append(Self.event("c")) == false)
        #expect(await inbox.takeReceived() == nil)
    }
}
