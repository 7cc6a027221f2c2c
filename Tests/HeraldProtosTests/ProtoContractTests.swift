import Foundation
import GRPCCore
import HeraldProtos
import SwiftProtobuf
import Testing

/// The generated code carries the names docs/API.md fixes: callers in other languages
/// generate clients from the same protos, so a renamed field or RPC would break them.
@Suite struct ProtoContractTests {
    @Test func eventRoundTripsThroughBinaryAndKeepsContractFieldNames() throws {
        var event = Herald_V1_Event()
        event.id = "evt-1"
        event.source = "/orders"
        event.type = "com.example.order.shipped"
        event.subject = "order-42"
        event.time = Google_Protobuf_Timestamp(seconds: 1_700_000_000)
        event.schema.subject = "orders-value"
        event.json = #"{"order_id": "o-42"}"#
        event.extensions = ["tenant": "acme"]

        let decoded = try Herald_V1_Event(serializedBytes: try event.serializedBytes() as [UInt8])
        #expect(decoded == event)

        let json = try event.jsonString(options: {
            var options = JSONEncodingOptions()
            options.preserveProtoFieldNames = true
            return options
        }())
        for name in ["\"id\"", "\"source\"", "\"type\"", "\"subject\"", "\"time\"", "\"schema\"", "\"json\"", "\"extensions\""] {
            #expect(json.contains(name), "Event JSON lacks \(name): \(json)")
        }
    }

    @Test func servicesExposeTheContractMethods() {
        let methods: [(MethodDescriptor, String)] = [
            (Herald_V1_Registry.Method.RegisterSchema.descriptor, "herald.v1.Registry/RegisterSchema"),
            (Herald_V1_Registry.Method.GetSchema.descriptor, "herald.v1.Registry/GetSchema"),
            (Herald_V1_Registry.Method.GetVersion.descriptor, "herald.v1.Registry/GetVersion"),
            (Herald_V1_Registry.Method.ListSubjects.descriptor, "herald.v1.Registry/ListSubjects"),
            (Herald_V1_Registry.Method.ListVersions.descriptor, "herald.v1.Registry/ListVersions"),
            (Herald_V1_Registry.Method.CheckCompatibility.descriptor, "herald.v1.Registry/CheckCompatibility"),
            (Herald_V1_Registry.Method.GetConfig.descriptor, "herald.v1.Registry/GetConfig"),
            (Herald_V1_Registry.Method.SetConfig.descriptor, "herald.v1.Registry/SetConfig"),
            (Herald_V1_Registry.Method.DeleteSubject.descriptor, "herald.v1.Registry/DeleteSubject"),
            (Herald_V1_Registry.Method.DeleteVersion.descriptor, "herald.v1.Registry/DeleteVersion"),
            (Herald_V1_Producer.Method.Publish.descriptor, "herald.v1.Producer/Publish"),
            (Herald_V1_Producer.Method.PublishBatch.descriptor, "herald.v1.Producer/PublishBatch"),
            (Herald_V1_Producer.Method.PublishStream.descriptor, "herald.v1.Producer/PublishStream"),
            (Herald_V1_Router.Method.PutRoute.descriptor, "herald.v1.Router/PutRoute"),
            (Herald_V1_Router.Method.GetRoute.descriptor, "herald.v1.Router/GetRoute"),
            (Herald_V1_Router.Method.DeleteRoute.descriptor, "herald.v1.Router/DeleteRoute"),
            (Herald_V1_Router.Method.ListRoutes.descriptor, "herald.v1.Router/ListRoutes"),
            (Herald_V1_Delivery.Method.PutEndpoint.descriptor, "herald.v1.Delivery/PutEndpoint"),
            (Herald_V1_Delivery.Method.GetEndpoint.descriptor, "herald.v1.Delivery/GetEndpoint"),
            (Herald_V1_Delivery.Method.DeleteEndpoint.descriptor, "herald.v1.Delivery/DeleteEndpoint"),
            (Herald_V1_Delivery.Method.ListEndpoints.descriptor, "herald.v1.Delivery/ListEndpoints"),
            (Herald_V1_Delivery.Method.GetDeliveries.descriptor, "herald.v1.Delivery/GetDeliveries"),
            (Herald_V1_Delivery.Method.ListDeadLetters.descriptor, "herald.v1.Delivery/ListDeadLetters"),
            (Herald_V1_Delivery.Method.Redrive.descriptor, "herald.v1.Delivery/Redrive"),
            (Herald_V1_Delivery.Method.WatchDeliveries.descriptor, "herald.v1.Delivery/WatchDeliveries"),
            (Grpc_Health_V1_Health.Method.Check.descriptor, "grpc.health.v1.Health/Check"),
            (Grpc_Health_V1_Health.Method.Watch.descriptor, "grpc.health.v1.Health/Watch"),
        ]
        for (descriptor, path) in methods {
            #expect(descriptor.fullyQualifiedMethod == path)
        }
    }
}
