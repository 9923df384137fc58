//! The capability layer: what a guest may reach. Its table of handles and what each may carry
//! (`descriptors`), the grants given on the command line (`grants`), and the network policy
//! that binds, connects and receives are checked against (`net`).

pub mod descriptors;
pub mod grants;
pub mod net;
