import Foundation
import GRPCCore

/// Where a page of `ListDeliveries` ends: the last row's position in the list order (update
/// time, then delivery id, both descending). Opaque to callers: base64url of `v1:<µs>:<id>`.
public struct DeliveryCursor: Sendable, Hashable {
    public var updatedMicros: Int64
    public var deliveryID: String

    public init(updatedMicros: Int64, deliveryID: String) {
        self.updatedMicros = updatedMicros
        self.deliveryID = deliveryID
    }

    public var token: String {
        Data("v1:\(updatedMicros):\(deliveryID)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The cursor of a `next_page_token`; throws for anything this service did not hand out.
    public init(token: String) throws {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else {
            throw DeliveryAPIError(.invalidArgument, "page_token: not a token this service issued")
        }
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let micros = Int64(parts[1]), !parts[2].isEmpty else {
            throw DeliveryAPIError(.invalidArgument, "page_token: not a token this service issued")
        }
        self.init(updatedMicros: micros, deliveryID: String(parts[2]))
    }
}
