/// Reads the partitions' offsets out of librdkafka's statistics JSON in one pass, skipping
/// everything else without building it. The document comes every few seconds from each consumer
/// that reports lag and lists every partition it knows with some forty fields each (delivery's
/// consumer knows over a hundred), of which lag needs seven: decoding it whole cost more than
/// anything else an idle consumer does.
struct StatisticsReader {
    /// One partition's entry under `topics.<topic>.partitions`.
    struct Partition: Equatable {
        var partition: Int32
        var fetchState: String
        var highWatermark: Int64
        var lastStableOffset: Int64
        var applicationOffset: Int64
        var committedOffset: Int64
        var nextFetchOffset: Int64
    }

    /// Not JSON, or a partition entry without one of the fields lag is computed from.
    struct Malformed: Error, CustomStringConvertible {
        let offset: Int
        let reason: String
        var description: String { "librdkafka statistics at byte \(offset): \(reason)" }
    }

    /// Every partition entry of the document, with its topic.
    static func partitions(in json: UnsafeBufferPointer<UInt8>) throws(Malformed) -> [(topic: String, partition: Partition)] {
        var reader = StatisticsReader(bytes: json)
        var found: [(topic: String, partition: Partition)] = []
        try reader.members { reader, key throws(Malformed) in
            guard reader.matches(key, "topics") else { return try reader.skipValue() }
            try reader.members { reader, topicKey throws(Malformed) in
                let topic = reader.text(topicKey)
                try reader.members { reader, key throws(Malformed) in
                    guard reader.matches(key, "partitions") else { return try reader.skipValue() }
                    try reader.members { reader, _ throws(Malformed) in
                        found.append((topic, try reader.partition()))
                    }
                }
            }
        }
        reader.skipWhitespace()
        guard reader.index == json.count else { throw reader.malformed("content after the document") }
        return found
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    private mutating func partition() throws(Malformed) -> Partition {
        var partition: Int32?, fetchState: String?
        var offsets: [Int64?] = Array(repeating: nil, count: Self.offsetKeys.count)
        try members { reader, key throws(Malformed) in
            if reader.matches(key, "partition") {
                partition = try Int32(clamping: reader.integer())
            } else if reader.matches(key, "fetch_state") {
                fetchState = reader.text(try reader.string())
            } else if let slot = Self.offsetKeys.firstIndex(where: { reader.matches(key, $0) }) {
                offsets[slot] = try reader.integer()
            } else {
                try reader.skipValue()
            }
        }
        guard let partition, let fetchState, let high = offsets[0], let stable = offsets[1], let application = offsets[2],
              let committed = offsets[3], let next = offsets[4]
        else { throw malformed("a partition entry without one of partition, fetch_state, \(Self.offsetKeys.joined(separator: ", "))") }
        return Partition(partition: partition, fetchState: fetchState, highWatermark: high, lastStableOffset: stable,
                         applicationOffset: application, committedOffset: committed, nextFetchOffset: next)
    }

    private static let offsetKeys = ["hi_offset", "ls_offset", "app_offset", "committed_offset", "next_offset"]

    // MARK: JSON

    /// Calls `body` with each member's key (the raw bytes between its quotes); `body` must read or skip the value.
    private mutating func members(_ body: (inout StatisticsReader, Range<Int>) throws(Malformed) -> Void) throws(Malformed) {
        try expect(UInt8(ascii: "{"))
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { index += 1; return }
        while true {
            skipWhitespace()
            let key = try string()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            try body(&self, key)
            skipWhitespace()
            guard let next = peek() else { throw malformed("unterminated object") }
            index += 1
            if next == UInt8(ascii: "}") { return }
            guard next == UInt8(ascii: ",") else { throw malformed("expected ',' or '}'") }
        }
    }

    /// The raw bytes of a string (escapes left as they are); `index` moves past its closing quote.
    private mutating func string() throws(Malformed) -> Range<Int> {
        try expect(UInt8(ascii: "\""))
        let start = index
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                defer { index += 1 }
                return start..<index
            case UInt8(ascii: "\\"):
                index += 2
            default:
                index += 1
            }
        }
        throw malformed("unterminated string")
    }

    private mutating func integer() throws(Malformed) -> Int64 {
        let negative = peek() == UInt8(ascii: "-")
        if negative { index += 1 }
        var value: Int64 = 0
        let start = index
        while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { throw malformed("integer out of range") }
            value = shifted + Int64(byte - UInt8(ascii: "0"))
            index += 1
        }
        guard index > start else { throw malformed("expected an integer") }
        return negative ? -value : value
    }

    /// Skips one value of any kind, nested ones included.
    private mutating func skipValue() throws(Malformed) {
        guard let first = peek() else { throw malformed("expected a value") }
        switch first {
        case UInt8(ascii: "{"):
            try members { reader, _ throws(Malformed) in try reader.skipValue() }
        case UInt8(ascii: "["):
            index += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "]") { index += 1; return }
            while true {
                skipWhitespace()
                try skipValue()
                skipWhitespace()
                guard let next = peek() else { throw malformed("unterminated array") }
                index += 1
                if next == UInt8(ascii: "]") { return }
                guard next == UInt8(ascii: ",") else { throw malformed("expected ',' or ']'") }
            }
        case UInt8(ascii: "\""):
            _ = try string()
        case UInt8(ascii: "-"), UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            // A number or a literal: everything up to the next delimiter.
            while let byte = peek(), !Self.ends(byte) { index += 1 }
        default:
            throw malformed("expected a value")
        }
    }

    private static func ends(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: " ")
            || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
    }

    private func matches(_ key: Range<Int>, _ name: String) -> Bool {
        key.count == name.utf8.count && bytes[key].elementsEqual(name.utf8)
    }

    /// A string's text, its escapes decoded (librdkafka escapes quotes, backslashes and control characters).
    private func text(_ raw: Range<Int>) -> String {
        guard bytes[raw].contains(UInt8(ascii: "\\")) else { return String(decoding: bytes[raw], as: UTF8.self) }
        var decoded: [UInt8] = []
        var position = raw.lowerBound
        while position < raw.upperBound {
            let byte = bytes[position]
            position += 1
            guard byte == UInt8(ascii: "\\"), position < raw.upperBound else {
                decoded.append(byte)
                continue
            }
            let escaped = bytes[position]
            position += 1
            switch escaped {
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "u") where position + 4 <= raw.upperBound:
                let hex = String(decoding: bytes[position..<position + 4], as: UTF8.self)
                position += 4
                let scalar = UInt32(hex, radix: 16).flatMap(Unicode.Scalar.init) ?? "\u{FFFD}"
                decoded.append(contentsOf: String(Character(scalar)).utf8)
            default: decoded.append(escaped)
            }
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func expect(_ byte: UInt8) throws(Malformed) {
        guard peek() == byte else { throw malformed("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t") {
            index += 1
        }
    }

    private func malformed(_ reason: String) -> Malformed { Malformed(offset: index, reason: reason) }
}
