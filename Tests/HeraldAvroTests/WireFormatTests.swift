import HeraldAvro
import Testing

@Suite struct WireFormatTests {
    @Test func framesWithMagicByteAndBigEndianID() throws {
        let framed = ConfluentWireFormat.frame(schemaID: 0x0102_0304, payload: [0xAA, 0xBB])
        #expect(framed == [0x00, 0x01, 0x02, 0x03, 0x04, 0xAA, 0xBB])
        let (id, payload) = try ConfluentWireFormat.parse(framed)
        #expect(id == 0x0102_0304)
        #expect(Array(payload) == [0xAA, 0xBB])
    }

    @Test func emptyPayloadAndLargeIDsRoundTrip() throws {
        let (id, payload) = try ConfluentWireFormat.parse(ConfluentWireFormat.frame(schemaID: .max, payload: []))
        #expect(id == .max)
        #expect(payload.isEmpty)
    }

    @Test func shortInputIsRejected() {
        for length in 0..<5 {
            #expect {
                try ConfluentWireFormat.parse([UInt8](repeating: 0, count: length))
            } throws: { ($0 as? AvroError)?.code == .invalidFraming }
        }
    }

    @Test func unknownMagicByteIsRejected() {
        #expect {
            try ConfluentWireFormat.parse([0x01, 0, 0, 0, 1, 0x02])
        } throws: { error in
            let error = error as! AvroError
            return error.code == .invalidFraming && error.message.contains("magic byte 1")
        }
    }

    @Test func parsesSlicesWithNonZeroStartIndex() throws {
        let buffer: [UInt8] = [0xFF, 0xFF, 0x00, 0, 0, 0, 7, 0x42]
        let (id, payload) = try ConfluentWireFormat.parse(buffer[2...])
        #expect(id == 7)
        #expect(Array(payload) == [0x42])
    }
}
