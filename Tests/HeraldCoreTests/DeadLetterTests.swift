import HeraldCore
import Testing

@Suite struct DeadLetterTests {
    @Test func keepsTheOriginalAndAddsWhyAndWhere() {
        let letter = DeadLetter(key: [1], value: [2, 3], headers: [RecordHeader(name: "ce_id", value: "e-1")],
                                reason: "not a Herald event", topic: "herald.events", partition: 3, offset: 42)
        #expect(letter.key == [1] && letter.value == [2, 3])
        #expect(letter.headers.map(\.name) == ["ce_id", DeadLetter.reasonHeader, DeadLetter.originHeader])
        #expect(letter.reason == "not a Herald event")
        #expect(letter.headers.last?.value == Array("herald.events/3/42".utf8))
    }

    @Test func leavesTheValueOutWhenTheDeadLetterWouldBeTooLarge() {
        let value = [UInt8](repeating: 7, count: 1000)
        let letter = DeadLetter(key: [1], value: value, headers: [RecordHeader(name: "ce_id", value: "e-1")],
                                reason: "too large", topic: "t", partition: 0, offset: 1, maxRecordBytes: 900)
        #expect(letter.value == nil && letter.key == [1])
        #expect(letter.headers.first { $0.name == DeadLetter.omittedHeader }?.value == Array("1000 bytes".utf8))
        #expect(letter.headers.contains { $0.name == "ce_id" })
        #expect(RecordSize.of(keyBytes: 1, valueBytes: 0, headers: letter.headers) <= 900)
    }

    @Test func dropsOversizedHeadersTooAndCapsTheReason() {
        let huge = RecordHeader(name: "ce_big", value: [UInt8](repeating: 65, count: 5000))
        let letter = DeadLetter(key: nil, value: [1, 2], headers: [huge], reason: String(repeating: "é", count: 2000),
                                topic: "t", partition: 0, offset: 1, maxRecordBytes: 2000)
        #expect(letter.value == nil && !letter.headers.contains { $0.name == "ce_big" })
        let reason = try! #require(letter.reason)
        #expect(reason.utf8.count <= 1024 && reason.allSatisfy { $0 == "é" })
        #expect(RecordSize.of(keyBytes: 0, valueBytes: 0, headers: letter.headers) <= 2000)
    }

    @Test func theEventLimitLeavesTheEnvelopeReserveFree() {
        #expect(RecordSize.maxEventBytes + RecordSize.envelopeReserve == RecordSize.maxRecordBytes)
        #expect(RecordSize.of(keyBytes: 3, valueBytes: 10, headers: [RecordHeader(name: "ab", value: [1])]) == 64 + 3 + 10 + 16 + 3)
    }
}
