import Crypto
import Foundation
public import HeraldCore
public import HeraldProtos
import SwiftProtobuf

/// The stable id of one delivery: the same event, route and endpoint always give the same id,
/// which the delivery service sends as `webhook-id` (the receiver's idempotency key).
public enum DeliveryID {
    /// `dlv_` + 32 hex digits of SHA-256 over the length-prefixed source, id, route id and endpoint id.
    public static func make(source: String, id: String, routeID: String, endpointID: String) -> String {
        // Once per delivery task: hashed from the strings' own UTF-8 and spelled as bytes, without
        // intermediate arrays or per-character appends.
        var hasher = SHA256()
        func add(_ field: String) {
            var length = UInt32(field.utf8.count).bigEndian
            withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
            var field = field
            field.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        add(source)
        add(id)
        add(routeID)
        add(endpointID)
        let digest = hasher.finalize()
        return String(unsafeUninitializedCapacity: 36) { text in
            for (index, byte) in "dlv_".utf8.enumerated() { text[index] = byte }
            for (index, byte) in digest.prefix(16).enumerated() {
                text[4 + 2 * index] = hexDigits[Int(byte >> 4)]
                text[5 + 2 * index] = hexDigits[Int(byte & 0x0F)]
            }
            return 36
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}

extension Herald_V1_DeliveryTask {
    /// The first attempt's task for one event and one (route, endpoint).
    public init(
        event: EventAttributes,
        schemaID: Int32,
        payload: some Collection<UInt8>,
        target: RouteTarget,
        createdAtMilliseconds: Int64
    ) {
        self.init()
        deliveryID = DeliveryID.make(source: event.source, id: event.id, routeID: target.routeID, endpointID: target.endpointID)
        eventID = event.id
        eventSource = event.source
        eventType = event.type
        eventSubject = event.subject
        if let time = event.time {
            eventTime = .with {
                $0.seconds = time.secondsSinceEpoch
                $0.nanos = time.nanoseconds
            }
        }
        eventDataschema = event.dataSchema
        // Routing is one step of the event's trace, the same span for every task of the event.
        eventExtensions = TracePropagation.continued(
            event.extensions, spanID: TraceSteps.routeSpanID(source: event.source, id: event.id))
        self.schemaID = schemaID
        self.payload = Data(payload)
        endpointID = target.endpointID
        routeID = target.routeID
        attempt = 0
        createdAt = .with {
            $0.seconds = createdAtMilliseconds / 1000
            $0.nanos = Int32(createdAtMilliseconds % 1000) * 1_000_000
        }
    }
}
