import HeraldCore
public import HeraldProtos
import SwiftProtobuf

/// The webhook body: a CloudEvents 1.0 event in structured JSON mode, `data` being the task's
/// Avro payload as natural JSON. Attributes come first in a fixed order, then extensions sorted by
/// name, then `data`, so a repeated attempt sends the very same bytes.
public enum CloudEventBody {
    public static let contentType = "application/cloudevents+json"

    private static let hexDigits = Array("0123456789abcdef".utf8)
    private static let reserved: Set<String> = [
        "specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema", "data", "data_base64",
    ]

    /// Written straight into UTF-8 bytes: every delivery renders one, and building it as a `String`
    /// scalar by scalar cost more than signing it.
    public static func render(_ task: Herald_V1_DeliveryTask, dataJSON: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + dataJSON.utf8.count)
        out.append(UInt8(ascii: "{"))
        func field(_ name: String, _ value: String) {
            if out.count > 1 { out.append(UInt8(ascii: ",")) }
            appendQuoted(name, to: &out)
            out.append(UInt8(ascii: ":"))
            appendQuoted(value, to: &out)
        }
        field("specversion", "1.0")
        field("id", task.eventID)
        field("source", task.eventSource)
        field("type", task.eventType)
        if !task.eventSubject.isEmpty { field("subject", task.eventSubject) }
        if task.hasEventTime {
            field("time", EventTimestamp(secondsSinceEpoch: task.eventTime.seconds, nanoseconds: task.eventTime.nanos).rfc3339)
        }
        field("datacontenttype", "application/json")
        if !task.eventDataschema.isEmpty { field("dataschema", task.eventDataschema) }
        for (name, value) in task.eventExtensions.sorted(by: { $0.key < $1.key }) where !reserved.contains(name) {
            field(name, value)
        }
        out.append(contentsOf: #","data":"#.utf8)
        out.append(contentsOf: dataJSON.utf8)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Appends `text` as a JSON string literal. Escaping byte by byte is exact for UTF-8: every byte
    /// of a multi-byte sequence is 0x80 or above, so only ASCII quotes, backslashes and control
    /// characters are ever rewritten.
    static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): out.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): out.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
