import Foundation
import Synchronization

/// The console's sessions, in memory only: the API keys never leave this process (the cookie holds
/// a random token). A restart signs everyone out, which is the safe direction.
final class SessionStore: Sendable {
    private let sessions = Mutex<[String: ConsoleSession]>([:])

    func insert(_ session: ConsoleSession) {
        sessions.withLock { sessions in
            // Ended sessions go when a new one starts, so the store never grows past the live ones for long.
            let now = Date()
            sessions = sessions.filter { $0.value.expiresAt > now }
            sessions[session.token] = session
        }
    }

    func session(_ token: String?) -> ConsoleSession? {
        guard let token else { return nil }
        return sessions.withLock { $0[token] }
    }

    func remove(_ token: String) {
        _ = sessions.withLock { $0.removeValue(forKey: token) }
    }
}
