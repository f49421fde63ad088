//! Plain-English one-liners for verdicts ("device already belongs to alice; the event goes
//! to bob and nothing merges"), shared by the explorer and exports.
