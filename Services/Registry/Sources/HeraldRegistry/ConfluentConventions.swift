import Foundation
import Hummingbird

/// Confluent's HTTP conventions around every REST route: the response's media type is negotiated
/// from `Accept` (406 when the client accepts none the API produces), and a request no route
/// serves gets Confluent's error body (`{"error_code":404,"message":"HTTP 404 Not Found"}`), not
/// an empty one.
struct ConfluentConventions<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let accept = request.headers[values: .accept].joined(separator: ",")
        guard let mediaType = MediaTypeNegotiation.choose(accept: accept) else {
            return failure(RegistryError(.notAcceptable, "HTTP 406 Not Acceptable"))
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError {
            let code = Int(error.status.code)
            response = failure(RegistryError(.init(errorCode: code, httpStatus: code), "HTTP \(code) \(error.status.reasonPhrase)"))
        }
        response.headers[.contentType] = mediaType
        return response
    }
}

/// Which media type a response is sent as, given the request's `Accept` header: the type the
/// client values most, weighing each by the server's own preference as Confluent declares it
/// (`vnd.schemaregistry.v1+json` over `vnd.schemaregistry+json` (qs 0.9) over `json` (qs 0.5)).
enum MediaTypeNegotiation {
    static let produced: [(type: String, serverQuality: Double)] = [
        ("application/vnd.schemaregistry.v1+json", 1.0),
        ("application/vnd.schemaregistry+json", 0.9),
        ("application/json", 0.5),
    ]

    /// nil when the header accepts none of the produced types; no header (or an empty one) accepts any.
    static func choose(accept: String) -> String? {
        let ranges = accept.split(separator: ",").compactMap(MediaRange.init)
        guard !ranges.isEmpty else { return produced[0].type }
        var best: (type: String, score: Double)?
        for candidate in produced {
            // The most specific range that matches the type decides the client's quality for it.
            guard let range = ranges.filter({ $0.matches(candidate.type) }).max(by: { $0.specificity < $1.specificity }),
                  range.quality > 0
            else { continue }
            let score = range.quality * candidate.serverQuality
            if score > best?.score ?? 0 { best = (candidate.type, score) }
        }
        return best?.type
    }

    struct MediaRange {
        var type: String
        var subtype: String
        var quality: Double

        init?(_ text: Substring) {
            let parts = text.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            let name = parts.first?.split(separator: "/") ?? []
            guard name.count == 2 else { return nil }
            type = String(name[0])
            subtype = String(name[1])
            quality = 1
            for parameter in parts.dropFirst() where parameter.hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
        }

        var specificity: Int { type == "*" ? 0 : subtype == "*" ? 1 : 2 }

        func matches(_ mediaType: String) -> Bool {
            let name = mediaType.split(separator: "/")
            return (type == "*" || type == name[0]) && (subtype == "*" || subtype == name[1])
        }
    }
}
