//! The reconnect policy (STUB, to be written).
