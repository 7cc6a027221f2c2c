import Foundation
import HeraldAvro
import Hummingbird
import NIOCore

// Writing REST responses: Confluent's JSON bodies, and its error body for every refusal.
// `ConfluentConventions` sets the content type the client negotiated.

func respond(_ body: () throws -> Response) -> Response {
    do { return try body() } catch let error as RegistryError { return failure(error) } catch {
        return failure(RegistryError(.storeError, "\(error)"))
    }
}

func respond(_ body: () async throws -> Response) async -> Response {
    do { return try await body() } catch let error as RegistryError { return failure(error) } catch {
        return failure(RegistryError(.storeError, "\(error)"))
    }
}

func failure(_ error: RegistryError) -> Response {
    var response = json(["error_code": error.code.errorCode, "message": error.message])
    response.status = HTTPResponse.Status(code: error.code.httpStatus)
    return response
}

func json(_ object: Any) -> Response {
    // Every value passed here is built from strings, numbers, arrays and dictionaries.
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])) ?? Data("null".utf8)
    return Response(status: .ok, headers: [.contentType: ConfluentREST.contentType], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

func raw(_ text: String) -> Response {
    Response(status: .ok, headers: [.contentType: ConfluentREST.contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
}

func versionObject(_ found: SubjectVersion) -> [String: Any] {
    var object: [String: Any] = ["subject": found.subject, "version": found.version, "id": found.id, "schema": found.schema]
    if !found.references.isEmpty { object["references"] = found.references.map(referenceObject) }
    return object
}

func referenceObject(_ reference: SchemaReference) -> [String: Any] {
    ["name": reference.name, "subject": reference.subject, "version": reference.version]
}

func compatibilityResult(_ problems: [SchemaIncompatibility], verbose: Bool) -> Response {
    var object: [String: Any] = ["is_compatible": problems.isEmpty]
    if verbose { object["messages"] = problems.map(\.description) }
    return json(object)
}

