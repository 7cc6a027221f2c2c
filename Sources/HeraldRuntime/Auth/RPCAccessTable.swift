import GRPCCore
public import HeraldCore
import HeraldProtos

/// Which scope each RPC of a service needs, keyed by the full method path
/// (`herald.v1.Registry/RegisterSchema`). One value per service; a method missing from its table
/// is refused whatever the key (fail closed), so a new RPC cannot ship open by accident.
public struct RPCAccessTable: Sendable {
    public let rules: [String: AccessRule]

    public init(_ rules: [String: AccessRule]) {
        self.rules = rules
    }

    public func rule(for method: String) -> AccessRule? { rules[method] }

    /// Both tables' rules (the other's win where both name a method).
    public func merging(_ other: RPCAccessTable) -> RPCAccessTable {
        RPCAccessTable(rules.merging(other.rules) { _, theirs in theirs })
    }

    /// Served by every service and open: health checks come from load balancers and orchestrators
    /// that hold no key, and reflection only describes the public protos.
    public static let standard = RPCAccessTable([
        Grpc_Health_V1_Health.Method.Check.descriptor.fullyQualifiedMethod: .open,
        Grpc_Health_V1_Health.Method.List.descriptor.fullyQualifiedMethod: .open,
        Grpc_Health_V1_Health.Method.Watch.descriptor.fullyQualifiedMethod: .open,
        ReflectionService.v1.fullyQualifiedMethod: .open,
        ReflectionService.v1alpha.fullyQualifiedMethod: .open,
    ])

    public static let registry = standard.merging(RPCAccessTable([
        Herald_V1_Registry.Method.RegisterSchema.descriptor.fullyQualifiedMethod: .requires(.schemasWrite),
        Herald_V1_Registry.Method.GetSchema.descriptor.fullyQualifiedMethod: .requires(.schemasRead),
        Herald_V1_Registry.Method.GetVersion.descriptor.fullyQualifiedMethod: .requires(.schemasRead),
        Herald_V1_Registry.Method.LookupSchema.descriptor.fullyQualifiedMethod: .requires(.schemasRead),
        Herald_V1_Registry.Method.ListSubjects.descriptor.fullyQualifiedMethod: .requires(.schemasRead),
        Herald_V1_Registry.Method.ListVersions.descriptor.fullyQualifiedMethod: .requires(.schemasRead),
        Herald_V1_Registry.Method.CheckCompatibility.descriptor.fullyQualifiedMethod: .requires(.schemasRead),
        Herald_V1_Registry.Method.GetConfig.descriptor.fullyQualifiedMethod: .requires(.schemasRead),
        Herald_V1_Registry.Method.SetConfig.descriptor.fullyQualifiedMethod: .requires(.schemasWrite),
        Herald_V1_Registry.Method.GetMode.descriptor.fullyQualifiedMethod: .requires(.schemasRead),
        Herald_V1_Registry.Method.SetMode.descriptor.fullyQualifiedMethod: .requires(.schemasWrite),
        Herald_V1_Registry.Method.DeleteSubject.descriptor.fullyQualifiedMethod: .requires(.schemasWrite),
        Herald_V1_Registry.Method.DeleteVersion.descriptor.fullyQualifiedMethod: .requires(.schemasWrite),
    ])).merging(keys)

    /// `herald.v1.Keys`, served by the registry: managing keys is the admin's alone; any valid key
    /// may ask what it is itself (a console deciding which controls to show).
    public static let keys = RPCAccessTable([
        "herald.v1.Keys/CreateKey": .requires(.keysAdmin),
        "herald.v1.Keys/ListKeys": .requires(.keysAdmin),
        "herald.v1.Keys/RevokeKey": .requires(.keysAdmin),
        "herald.v1.Keys/WhoAmI": .anyKey,
    ])

    /// Publishing also passes the key's event-type and source narrowing, checked per event by the producer.
    public static let producer = standard.merging(RPCAccessTable([
        Herald_V1_Producer.Method.Publish.descriptor.fullyQualifiedMethod: .requires(.eventsPublish),
        Herald_V1_Producer.Method.PublishBatch.descriptor.fullyQualifiedMethod: .requires(.eventsPublish),
        Herald_V1_Producer.Method.PublishStream.descriptor.fullyQualifiedMethod: .requires(.eventsPublish),
    ]))

    public static let router = standard.merging(RPCAccessTable([
        Herald_V1_Router.Method.PutRoute.descriptor.fullyQualifiedMethod: .requires(.routesWrite),
        Herald_V1_Router.Method.GetRoute.descriptor.fullyQualifiedMethod: .requires(.routesRead),
        Herald_V1_Router.Method.DeleteRoute.descriptor.fullyQualifiedMethod: .requires(.routesWrite),
        Herald_V1_Router.Method.ListRoutes.descriptor.fullyQualifiedMethod: .requires(.routesRead),
    ]))

    public static let delivery = standard.merging(RPCAccessTable([
        Herald_V1_Delivery.Method.PutEndpoint.descriptor.fullyQualifiedMethod: .requires(.endpointsWrite),
        Herald_V1_Delivery.Method.GetEndpoint.descriptor.fullyQualifiedMethod: .requires(.endpointsRead),
        Herald_V1_Delivery.Method.DeleteEndpoint.descriptor.fullyQualifiedMethod: .requires(.endpointsWrite),
        Herald_V1_Delivery.Method.ListEndpoints.descriptor.fullyQualifiedMethod: .requires(.endpointsRead),
        Herald_V1_Delivery.Method.GetDeliveries.descriptor.fullyQualifiedMethod: .requires(.deliveriesRead),
        Herald_V1_Delivery.Method.ListDeadLetters.descriptor.fullyQualifiedMethod: .requires(.deliveriesRead),
        Herald_V1_Delivery.Method.Redrive.descriptor.fullyQualifiedMethod: .requires(.deliveriesRedrive),
        Herald_V1_Delivery.Method.WatchDeliveries.descriptor.fullyQualifiedMethod: .requires(.deliveriesRead),
        Herald_V1_Delivery.Method.ListDeliveries.descriptor.fullyQualifiedMethod: .requires(.deliveriesRead),
        Herald_V1_Delivery.Method.GetDelivery.descriptor.fullyQualifiedMethod: .requires(.deliveriesRead),
        Herald_V1_Delivery.Method.GetEndpointHealth.descriptor.fullyQualifiedMethod: .requires(.deliveriesRead),
        // A replay sends delivered events again, like a redrive.
        Herald_V1_Delivery.Method.Replay.descriptor.fullyQualifiedMethod: .requires(.deliveriesRedrive),
        // A test event reaches the endpoint like a delivery: as much a change to it as its settings.
        Herald_V1_Delivery.Method.SendTestEvent.descriptor.fullyQualifiedMethod: .requires(.endpointsWrite),
    ]))
}
