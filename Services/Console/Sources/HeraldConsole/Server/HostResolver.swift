import Dispatch
import Foundation

/// Resolves a host name to its addresses as every program on the machine would (getaddrinfo:
/// `/etc/hosts`, then DNS), on a Dispatch thread since the call blocks.
enum HostResolver {
    static func addresses(of name: String) async -> MetricsInstances.Resolution {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: resolve(name)) }
        }
    }

    private static func resolve(_ name: String) -> MetricsInstances.Resolution {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &list)
        defer { if let list { freeaddrinfo(list) } }
        // EAI_NODATA (-5): the name exists but has no address; both mean "resolves to nothing".
        if status == EAI_NONAME || status == -5 { return .addresses([]) }
        guard status == 0 else { return .failed(String(cString: gai_strerror(status))) }
        var addresses: [String] = []
        var entry = list
        while let current = entry?.pointee {
            var text = [CChar](repeating: 0, count: 1025)  // NI_MAXHOST
            if getnameinfo(current.ai_addr, current.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST) == 0 {
                let address = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !addresses.contains(address) { addresses.append(address) }
            }
            entry = current.ai_next
        }
        return .addresses(addresses)
    }
}
