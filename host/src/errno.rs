//! OS errno values to the portable WIT error codes: the one place that mapping lives.

use crate::bindings::ErrorCode;

/// Maps a positive errno to its portable code. Unknown values become `unknown`.
pub fn to_error_code(errno: i32) -> ErrorCode {
    use ErrorCode as E;
    match errno {
        libc::EACCES => E::Access,
        libc::EADDRINUSE => E::AddressInUse,
        libc::EADDRNOTAVAIL => E::AddressNotAvailable,
        libc::EAFNOSUPPORT => E::AddressFamilyNotSupported,
        libc::EAGAIN => E::Again,
        libc::EALREADY => E::Already,
        // ENOTSOCK: the handle is of the wrong kind for the operation.
        libc::EBADF | libc::ENOTSOCK => E::BadDescriptor,
        libc::EBUSY => E::Busy,
        libc::ECANCELED => E::Canceled,
        libc::ECONNABORTED => E::ConnectionAborted,
        libc::ECONNREFUSED => E::ConnectionRefused,
        libc::ECONNRESET => E::ConnectionReset,
        libc::EDESTADDRREQ => E::DestinationAddressRequired,
        libc::EEXIST => E::Exists,
        libc::EFBIG => E::FileTooLarge,
        libc::EHOSTUNREACH => E::HostUnreachable,
        libc::EINPROGRESS => E::InProgress,
        libc::EINTR => E::Interrupted,
        libc::EINVAL => E::Invalid,
        libc::EIO => E::Io,
        libc::EISCONN => E::IsConnected,
        libc::EISDIR => E::IsDirectory,
        libc::ELOOP => E::Loop,
        libc::EMFILE | libc::ENFILE => E::TooManyHandles,
        libc::EMSGSIZE => E::MessageSize,
        libc::ENAMETOOLONG => E::NameTooLong,
        libc::ENETUNREACH => E::NetworkUnreachable,
        libc::ENOBUFS => E::NoBuffers,
        libc::ENODEV => E::NoDevice,
        libc::ENOENT => E::NoEntry,
        libc::ENOMEM => E::NoMemory,
        libc::ENOSPC => E::NoSpace,
        libc::ENOTCONN => E::NotConnected,
        libc::ENOTDIR => E::NotDirectory,
        libc::ENOTEMPTY => E::NotEmpty,
        libc::EOPNOTSUPP | libc::ENOSYS => E::NotSupported,
        libc::ENOTTY => E::NotATty,
        libc::ENXIO => E::NoSuchDeviceOrAddress,
        libc::EPERM => E::NotPermitted,
        libc::EPIPE => E::Pipe,
        libc::EPROTONOSUPPORT => E::ProtocolNotSupported,
        libc::ERANGE => E::Range,
        libc::EROFS => E::ReadOnly,
        libc::ETIME | libc::ETIMEDOUT => E::TimedOut,
        libc::EXDEV => E::CrossDevice,
        _ => E::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_uring_timer_expiry_is_timed_out() {
        assert_eq!(to_error_code(libc::ETIME), ErrorCode::TimedOut);
    }

    #[test]
    fn unmapped_errno_is_unknown() {
        assert_eq!(to_error_code(libc::ECHRNG), ErrorCode::Unknown);
    }

    #[test]
    fn would_block_is_again() {
        assert_eq!(to_error_code(libc::EWOULDBLOCK), ErrorCode::Again);
    }
}
