/// The check every state-changing form post passes: the form's `csrf` field must equal the
/// session's token. A page of another site cannot read that token, so it cannot forge the post
/// (the SameSite=Strict cookie is the second line of defence, not the only one).
public enum CSRFCheck {
    /// Compares in time independent of where the values differ, so the token cannot be guessed byte by byte.
    public static func accepts(submitted: String?, expected: String) -> Bool {
        guard let submitted, !expected.isEmpty else { return false }
        let given = Array(submitted.utf8)
        let wanted = Array(expected.utf8)
        guard given.count == wanted.count else { return false }
        var difference: UInt8 = 0
        for index in wanted.indices { difference |= given[index] ^ wanted[index] }
        return difference == 0
    }
}
