/// A W3C Trace Context (`traceparent` and `tracestate`): which trace an event belongs to and
/// which step of it caused the current one. Carried by gRPC metadata into the producer, by the
/// CloudEvents distributed-tracing extension through Kafka, and by the webhook's headers to the
/// endpoint, so a receiver's own trace joins the publisher's.
public struct TraceContext: Sendable, Hashable {
    public let traceIDHigh: UInt64
    public let traceIDLow: UInt64
    /// The span (step) that is the parent of whatever continues this context.
    public let spanID: UInt64
    public let flags: UInt8
    /// The vendor entries, passed on unchanged; empty when there are none.
    public let state: String

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { "traceparent: \(reason)" }
    }

    public init(traceIDHigh: UInt64, traceIDLow: UInt64, spanID: UInt64, flags: UInt8, state: String = "") {
        self.traceIDHigh = traceIDHigh
        self.traceIDLow = traceIDLow
        self.spanID = spanID
        self.flags = flags
        self.state = state
    }

    /// Parses `version-traceid-parentid-flags` as the W3C recommendation reads it: lowercase hex,
    /// trace and parent ids not all zero, version `ff` refused, later versions read by their first
    /// four fields.
    public init(traceparent: String, tracestate: String = "") throws(ParseError) {
        if let ids = Self.version00(traceparent) {
            self.init(traceIDHigh: ids.high, traceIDLow: ids.low, spanID: ids.span, flags: ids.flags, state: tracestate)
            return
        }
        let fields = traceparent.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count >= 4 else { throw ParseError(reason: "expected version-traceid-parentid-flags, got \"\(traceparent)\"") }
        guard let version = Self.hex(fields[0], digits: 2) else { throw ParseError(reason: "version \"\(fields[0])\" is not two lowercase hex digits") }
        guard version != 0xFF else { throw ParseError(reason: "version ff is invalid") }
        guard version != 0 || fields.count == 4 else { throw ParseError(reason: "version 00 has exactly four fields") }
        let traceID = fields[1]
        guard traceID.count == 32, let high = Self.hex(traceID.prefix(16), digits: 16), let low = Self.hex(traceID.suffix(16), digits: 16) else {
            throw ParseError(reason: "trace id \"\(traceID)\" is not 32 lowercase hex digits")
        }
        guard high != 0 || low != 0 else { throw ParseError(reason: "trace id is all zeros") }
        guard let span = Self.hex(fields[2], digits: 16) else { throw ParseError(reason: "parent id \"\(fields[2])\" is not 16 lowercase hex digits") }
        guard span != 0 else { throw ParseError(reason: "parent id is all zeros") }
        guard let flags = Self.hex(fields[3], digits: 2) else { throw ParseError(reason: "flags \"\(fields[3])\" are not two lowercase hex digits") }
        self.init(traceIDHigh: high, traceIDLow: low, spanID: span, flags: UInt8(flags), state: tracestate)
    }

    /// A new trace, sampled, whose first span is `spanID`.
    public static func started(traceIDHigh: UInt64, traceIDLow: UInt64, spanID: UInt64) -> TraceContext {
        TraceContext(traceIDHigh: traceIDHigh, traceIDLow: traceIDLow == 0 && traceIDHigh == 0 ? 1 : traceIDLow, spanID: spanID == 0 ? 1 : spanID, flags: 0x01)
    }

    /// The same trace one step further: `spanID` becomes the parent of what follows.
    public func child(spanID: UInt64) -> TraceContext {
        TraceContext(traceIDHigh: traceIDHigh, traceIDLow: traceIDLow, spanID: spanID == 0 ? 1 : spanID, flags: flags, state: state)
    }

    /// 32 lowercase hex digits, as logs and tracing back ends show it.
    public var traceID: String { Self.hex(traceIDHigh) + Self.hex(traceIDLow) }

    /// Written byte by byte: every stage writes one per event.
    public var traceparent: String {
        String(unsafeUninitializedCapacity: 55) { buffer in
            var index = 0
            func put(_ byte: UInt8) {
                buffer[index] = byte
                index += 1
            }
            func put(_ value: UInt64, digits: Int) {
                for shift in stride(from: (digits - 1) * 4, through: 0, by: -4) { put(Self.hexDigits[Int(value >> UInt64(shift) & 0xF)]) }
            }
            put(UInt8(ascii: "0")); put(UInt8(ascii: "0")); put(UInt8(ascii: "-"))
            put(traceIDHigh, digits: 16); put(traceIDLow, digits: 16); put(UInt8(ascii: "-"))
            put(spanID, digits: 16); put(UInt8(ascii: "-"))
            put(UInt64(flags), digits: 2)
            return index
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    public var isSampled: Bool { flags & 0x01 != 0 }

    /// A span id that is the same every time for the same `key` (e.g. a delivery id and an
    /// attempt), so a step replayed after a crash writes byte-identical records.
    public static func spanID(derivedFrom key: String) -> UInt64 {
        // FNV-1a, then SplitMix64's finaliser to spread the bits.
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        var generator = SplitMix64(seed: hash)
        let id = generator.next()
        return id == 0 ? 1 : id
    }

    static func hex(_ value: UInt64, digits: Int = 16) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// The form every event carries, `00-<32 hex>-<16 hex>-<2 hex>` with ids not all zero, read
    /// byte by byte: each stage parses it per event, and splitting into substrings cost far more
    /// than the rest of the header's handling. Anything else — every malformed header included —
    /// returns nil and goes the general way, which names what is wrong.
    private static func version00(_ traceparent: String) -> (high: UInt64, low: UInt64, span: UInt64, flags: UInt8)? {
        let bytes = traceparent.utf8
        guard bytes.count == 55 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0, span: UInt64 = 0, flags: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            let digit: UInt64
            switch (index, byte) {
            case (0, UInt8(ascii: "0")), (1, UInt8(ascii: "0")), (2, UInt8(ascii: "-")), (35, UInt8(ascii: "-")), (52, UInt8(ascii: "-")):
                continue
            case (0...2, _), (35, _), (52, _):
                return nil
            case (_, UInt8(ascii: "0")...UInt8(ascii: "9")): digit = UInt64(byte - UInt8(ascii: "0"))
            case (_, UInt8(ascii: "a")...UInt8(ascii: "f")): digit = UInt64(byte - UInt8(ascii: "a") + 10)
            default: return nil
            }
            switch index {
            case 3..<19: high = high << 4 | digit
            case 19..<35: low = low << 4 | digit
            case 36..<52: span = span << 4 | digit
            default: flags = flags << 4 | digit
            }
        }
        guard high != 0 || low != 0, span != 0 else { return nil }
        return (high, low, span, UInt8(flags))
    }

    private static func hex(_ text: Substring, digits: Int) -> UInt64? {
        guard text.count == digits, text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
        return UInt64(text, radix: 16)
    }
}
