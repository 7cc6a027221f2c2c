public import GRPCCore
import GRPCProtobuf
import HeraldProtos

/// gRPC server reflection, so grpcurl, Postman and Evans list and call a Herald service without
/// its proto files. Served as `grpc.reflection.v1` and, for clients that only speak the
/// pre-release name (grpcio-reflection's, older grpcurl), `grpc.reflection.v1alpha`: both carry
/// the same messages on the wire.
public struct ReflectionService: RegistrableRPCService {
    public static let v1 = Grpc_Reflection_V1_ServerReflection.Method.ServerReflectionInfo.descriptor
    public static let v1alpha = MethodDescriptor(
        fullyQualifiedService: "grpc.reflection.v1alpha.ServerReflection", method: "ServerReflectionInfo")

    private let responder: ReflectionResponder

    /// - Parameter serviceNames: the other services on the same server, e.g. `herald.v1.Producer`.
    public init(serviceNames: [String]) {
        let index = Result { () throws(ReflectionDescriptorIndex.IndexError) in try ReflectionDescriptorIndex.herald() }
        // v1alpha is answered but not listed: only v1 is in the descriptors a client can ask for.
        self.responder = ReflectionResponder(
            serviceNames: serviceNames + [Self.v1.service.fullyQualifiedService], index: index)
    }

    public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        for method in [Self.v1, Self.v1alpha] {
            router.registerHandler(
                forMethod: method,
                deserializer: ProtobufDeserializer<Grpc_Reflection_V1_ServerReflectionRequest>(),
                serializer: ProtobufSerializer<Grpc_Reflection_V1_ServerReflectionResponse>()
            ) { [responder] request, _ in
                StreamingServerResponse { writer in
                    for try await question in request.messages {
                        try await writer.write(responder.response(to: question))
                    }
                    return [:]
                }
            }
        }
    }
}
