import Foundation
public import HeraldProtos
import SwiftProtobuf

extension Herald_V1_DeliveryRecord {
    /// A status record of the delivery `task` is, its identifying fields filled.
    static func of(_ task: Herald_V1_DeliveryTask) -> Herald_V1_DeliveryRecord {
        .with {
            $0.deliveryID = task.deliveryID
            $0.eventSource = task.eventSource
            $0.eventID = task.eventID
            $0.eventType = task.eventType
            $0.endpointID = task.endpointID
            $0.routeID = task.routeID
        }
    }
}

/// The attempts topic's record of one attempt, from the status it led to and the send's report (pure).
public enum AttemptRecord {
    /// How much of a response body an attempt keeps.
    static let responseBodyBytes = 1024

    /// An attempt at the delivery `record` names, its identifying fields filled.
    public static func of(_ record: Herald_V1_DeliveryRecord) -> Herald_V1_DeliveryAttempt {
        .with {
            $0.deliveryID = record.deliveryID
            $0.eventSource = record.eventSource
            $0.eventID = record.eventID
            $0.eventType = record.eventType
            $0.endpointID = record.endpointID
            $0.routeID = record.routeID
        }
    }

    static func attempt(record: Herald_V1_DeliveryRecord, report: AttemptReport) -> Herald_V1_DeliveryAttempt {
        var attempt = of(record)
        attempt.attemptedAt = record.updatedAt
        if let duration = report.requestDuration {
            let (seconds, attoseconds) = duration.components
            attempt.duration = Google_Protobuf_Duration(seconds: seconds, nanos: Int32(attoseconds / 1_000_000_000))
        }
        attempt.statusCode = record.lastStatusCode
        attempt.error = record.lastError
        attempt.responseBody = Data(report.responseBody.prefix(responseBodyBytes))
        attempt.state = record.state
        attempt.attempts = record.attempts
        if record.hasNextAttemptAt { attempt.nextAttemptAt = record.nextAttemptAt }
        return attempt
    }
}
