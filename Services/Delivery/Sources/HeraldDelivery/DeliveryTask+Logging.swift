import HeraldProtos
import HeraldRuntime
import Logging

extension Herald_V1_DeliveryTask {
    /// The event (source, id, trace id) and the delivery, for every log line about this task.
    var logMetadata: Logger.Metadata {
        var metadata = EventLogMetadata.of(source: eventSource, id: eventID, extensions: eventExtensions)
        metadata["herald.delivery.id"] = "\(deliveryID)"
        metadata["herald.endpoint.id"] = "\(endpointID)"
        return metadata
    }
}
