import HeraldCore
public import HeraldProtos
import SwiftProtobuf

/// The webhook body: a CloudEvents 1.0 event in structured JSON mode, `data` being the task's
/// Avro payload as natural JSON. Attributes come first in a fixed order, then extensions sorted by
/// name, then `data`, so a repeated attempt sends the very same bytes.
public enum CloudEventBody {
    public static let contentType = "application/cloudevents+json"

    public static func render(_ task: Herald_V1_DeliveryTask, dataJSON: String) -> [UInt8] {
        var out = "{"
        func field(_ name: String, _ value: String) {
            if out.count > 1 { out += "," }
            out += quoted(name) + ":" + quoted(value)
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
        let reserved: Set<String> = ["specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema", "data", "data_base64"]
        for (name, value) in task.eventExtensions.sorted(by: { $0.key < $1.key }) where !reserved.contains(name) {
            field(name, value)
        }
        out += "," + quoted("data") + ":" + dataJSON + "}"
        return Array(out.utf8)
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
