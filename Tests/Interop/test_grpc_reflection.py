"""gRPC server reflection on every Herald service, through grpcio-reflection's client: what
grpcurl, Postman and Evans do to list and call the API without Herald's proto files."""
import grpc
import pytest
from google.protobuf import descriptor_pool, message_factory
from grpc_reflection.v1alpha import reflection_pb2
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

SERVICES = {
    "registry": "herald.v1.Registry",
    "producer": "herald.v1.Producer",
    "router": "herald.v1.Router",
    "delivery": "herald.v1.Delivery",
}
# Services a Herald service serves beside its own.
ALSO_SERVED = {"registry": {"herald.v1.Keys"}}
# One unary method each, described and then called with messages built from the reflected descriptors.
METHODS = {
    "registry": "ListSubjects",
    "producer": "Publish",
    "router": "ListRoutes",
    "delivery": "ListEndpoints",
}


@pytest.fixture()
def channel(request, herald_services):
    service = herald_services[request.param]
    with grpc.insecure_channel(f"127.0.0.1:{service.grpc_port}") as channel:
        yield request.param, channel


@pytest.mark.parametrize("channel", list(SERVICES), indirect=True)
def test_reflection_lists_every_service(channel):
    name, channel = channel
    services = set(ProtoReflectionDescriptorDatabase(channel).get_services())
    expected = {SERVICES[name], "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"} | ALSO_SERVED.get(name, set())
    assert services == expected


@pytest.mark.parametrize("channel", list(SERVICES), indirect=True)
def test_reflection_describes_a_method_well_enough_to_call_it(channel, admin_key):
    name, channel = channel
    # Reflection is open; the described method itself needs a key.
    authorization = [("authorization", f"Bearer {admin_key.presented}")]
    pool = descriptor_pool.DescriptorPool(ProtoReflectionDescriptorDatabase(channel))
    method = pool.FindMethodByName(f"{SERVICES[name]}.{METHODS[name]}")
    assert not method.client_streaming and not method.server_streaming
    assert method.input_type.full_name.startswith("herald.v1.")
    request_class = message_factory.GetMessageClass(method.input_type)
    response_class = message_factory.GetMessageClass(method.output_type)
    call = channel.unary_unary(
        f"/{SERVICES[name]}/{method.name}",
        request_serializer=request_class.SerializeToString,
        response_deserializer=response_class.FromString)
    if name == "producer":
        # An empty event is refused by validation: the reflected request type reached the service.
        with pytest.raises(grpc.RpcError) as refused:
            call(request_class(), timeout=10, metadata=authorization)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    else:
        assert isinstance(call(request_class(), timeout=10, metadata=authorization), response_class)


@pytest.mark.parametrize("channel", ["producer"], indirect=True)
def test_reflection_v1_answers_and_reports_unknown_symbols(channel):
    """grpc.reflection.v1 carries the same messages as v1alpha, so its serializers speak to v1 too."""
    _, channel = channel
    info = channel.stream_stream(
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
        response_deserializer=reflection_pb2.ServerReflectionResponse.FromString)
    answers = list(info(iter([
        reflection_pb2.ServerReflectionRequest(list_services=""),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="herald.v1.Nope"),
    ]), timeout=10))
    assert "herald.v1.Producer" in {service.name for service in answers[0].list_services_response.service}
    assert answers[1].error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0]
    assert "herald.v1.Nope" in answers[1].error_response.error_message
