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
        var hasher = SHA256()
        for field in [source, id, routeID, endpointID] {
            var length = UInt32(field.utf8.count).bigEndian
            withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
            hasher.update(data: Array(field.utf8))
        }
        let digest = hasher.finalize()
        var text = "dlv_"
        text.reserveCapacity(36)
        for byte in digest.prefix(16) {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
        return text
    }

    private static let hexDigits = Array("0123456789abcdef")
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
        eventExtensions = event.extensions
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
