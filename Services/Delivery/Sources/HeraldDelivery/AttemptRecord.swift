import Foundation
import HeraldProtos
import SwiftProtobuf

/// The attempts topic's record of one attempt, from the task, the status it led to and the send's report (pure).
enum AttemptRecord {
    /// How much of a response body an attempt keeps.
    static let responseBodyBytes = 1024

    static func attempt(of task: Herald_V1_DeliveryTask, record: Herald_V1_DeliveryRecord, report: AttemptReport) -> Herald_V1_DeliveryAttempt {
        .with {
            $0.deliveryID = task.deliveryID
            $0.eventSource = task.eventSource
            $0.eventID = task.eventID
            $0.eventType = task.eventType
            $0.endpointID = task.endpointID
            $0.routeID = task.routeID
            $0.attemptedAt = record.updatedAt
            if let duration = report.requestDuration {
                let (seconds, attoseconds) = duration.components
                $0.duration = Google_Protobuf_Duration(seconds: seconds, nanos: Int32(attoseconds / 1_000_000_000))
            }
            $0.statusCode = record.lastStatusCode
            $0.error = record.lastError
            $0.responseBody = Data(report.responseBody.prefix(responseBodyBytes))
            $0.state = record.state
            $0.attempts = record.attempts
            if record.hasNextAttemptAt { $0.nextAttemptAt = record.nextAttemptAt }
        }
    }
}
