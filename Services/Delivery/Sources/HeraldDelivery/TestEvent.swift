public import Foundation
public import HeraldProtos
import SwiftProtobuf

/// The synthetic event `SendTestEvent` sends, and its answer: what the endpoint would receive for a
/// real delivery (a CloudEvent signed the same way), marked so a receiver can tell it apart — type
/// `herald.test` and the extension `heraldtest: true`. Free of I/O; `EndpointTester` sends it.
public enum TestEvent {
    public static let type = "herald.test"
    public static let source = "/herald/test"
    /// The CloudEvents extension that marks the test (extension names are lowercase letters and digits).
    public static let marker = "heraldtest"
    static let dataJSON = #"{"message":"A test event sent by Herald to check this endpoint; it belongs to no delivery."}"#

    /// How a test send ended.
    public enum Outcome: Sendable, Equatable {
        /// No request was made (the address check refused the URL).
        case refused(String)
        /// The endpoint answered with `status`; `excerpt` is the start of a non-2xx body.
        case answered(status: Int, excerpt: String, body: [UInt8], duration: Duration)
        /// The request was made but no complete answer came (connection error, timeout).
        case failed(String, duration: Duration)
    }

    /// The task the send path signs and posts: `id` is both the event id and the `webhook-id`.
    public static func task(endpointID: String, id: String, now: Date) -> Herald_V1_DeliveryTask {
        var task = Herald_V1_DeliveryTask()
        task.deliveryID = id
        task.eventID = id
        task.eventSource = source
        task.eventType = type
        task.eventTime = Google_Protobuf_Timestamp(date: now)
        task.eventExtensions = [marker: "true"]
        task.endpointID = endpointID
        task.createdAt = Google_Protobuf_Timestamp(date: now)
        return task
    }

    /// The webhook body of `task`: a CloudEvent whose data says what it is.
    public static func body(_ task: Herald_V1_DeliveryTask) -> [UInt8] {
        CloudEventBody.render(task, dataJSON: dataJSON)
    }

    /// A fresh id, prefixed so it is never taken for a delivery's.
    public static func newID() -> String { "test_" + UUID().uuidString.lowercased() }

    public static func response(id: String, _ outcome: Outcome) -> Herald_V1_SendTestEventResponse {
        var response = Herald_V1_SendTestEventResponse()
        response.deliveryID = id
        switch outcome {
        case .refused(let reason):
            response.error = "refused: \(reason)"
        case .answered(let status, let excerpt, let body, let duration):
            response.statusCode = Int32(status)
            response.succeeded = (200..<300).contains(status)
            response.error = response.succeeded ? "" : "HTTP \(status)" + (excerpt.isEmpty ? "" : ": \(excerpt)")
            response.responseBody = Data(body)
            response.duration = protobufDuration(duration)
        case .failed(let reason, let duration):
            response.error = "request failed: \(reason)"
            response.duration = protobufDuration(duration)
        }
        return response
    }

    static func protobufDuration(_ duration: Duration) -> Google_Protobuf_Duration {
        let (seconds, attoseconds) = duration.components
        return Google_Protobuf_Duration(seconds: seconds, nanos: Int32(attoseconds / 1_000_000_000))
    }

    /// What the audit record says of the answer.
    public static func auditDetail(_ response: Herald_V1_SendTestEventResponse) -> String {
        "id=\(response.deliveryID) status=\(response.statusCode)" + (response.error.isEmpty ? "" : " error=\(response.error.prefix(200))")
    }
}
