import Synchronization

/// The keys one ring has verified: for each key id, the exact key that was presented and who it
/// authenticated as. A key presented again is then recognised by one constant-time comparison
/// instead of being parsed, hashed and looked up anew. It holds only keys that passed the full
/// check against its ring's records, at most one per id, and belongs to that ring alone: a ring
/// whose records change starts an empty one, so a key verified before its revocation is checked
/// afresh (and refused) by the ring holding the revocation.
final class VerifiedKeys: Sendable {
    private struct Entry: Sendable {
        let presented: String
        let principal: Principal
    }

    private let entries = Mutex<[Substring: Entry]>([:])

    /// Who `presented` authenticated as when it was verified, or nil if it was not (it may still
    /// be valid: the caller runs the full check).
    func principal(presenting presented: String) -> Principal? {
        guard let id = APIKey.id(inPresented: presented), let entry = entries.withLock({ $0[id] }) else { return nil }
        return entry.presented.constantTimeEquals(presented) ? entry.principal : nil
    }

    /// Records that `presented` passed the full check as `principal`.
    func remember(_ presented: String, as principal: Principal) {
        guard let id = APIKey.id(inPresented: presented) else { return }
        entries.withLock { $0[id] = Entry(presented: presented, principal: principal) }
    }
}

extension String {
    /// Compares without an early exit, so response times say nothing about how much of a guessed
    /// key or hash matched. Over the contiguous UTF-8 (what native strings hold): iterating two
    /// UTF-8 views in step cost more than the rest of a remembered key's check.
    func constantTimeEquals(_ other: String) -> Bool {
        var lhs = self, rhs = other
        return lhs.withUTF8 { lhs in
            rhs.withUTF8 { rhs in
                guard lhs.count == rhs.count else { return false }
                var difference: UInt8 = 0
                for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
                return difference == 0
            }
        }
    }
}
