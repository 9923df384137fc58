//! `ioring:ring/grants`.

use crate::bindings::ErrorCode;
use crate::bindings::ioring::ring::grants::Host;
use crate::caps::descriptors::{Descriptor, Role};
use crate::caps::grants::GrantKind;
use crate::guest::Guest;

impl Host for Guest {
    fn directory(&mut self, name: String) -> wasmtime::Result<Result<u32, ErrorCode>> {
        Ok(self.grant(GrantKind::Directory { read_only: false }, &name))
    }

    fn listener(&mut self, name: String) -> wasmtime::Result<Result<u32, ErrorCode>> {
        Ok(self.grant(GrantKind::Listener { datagram: false }, &name))
    }

    fn device(&mut self, name: String) -> wasmtime::Result<Result<u32, ErrorCode>> {
        Ok(self.grant(GrantKind::Device, &name))
    }
}

impl Guest {
    /// The handle of grant `name` of `kind`: the one given before if the guest still holds
    /// it, otherwise a fresh duplicate of the host's descriptor.
    fn grant(&mut self, kind: GrantKind, name: &str) -> Result<u32, ErrorCode> {
        let index = self.grants.find(kind, name).ok_or(ErrorCode::NoEntry)?;
        let grant = &self.grants.entries[index];
        if let Some((handle, serial)) = grant.issued {
            if self.descriptors.serial(handle) == serial {
                return Ok(handle);
            }
        }
        let fd = grant.fd.try_clone().map_err(|e| crate::errno::to_error_code(e.raw_os_error().unwrap_or(libc::EIO)))?;
        let descriptor = match grant.kind {
            GrantKind::Directory { read_only } => Descriptor::new(fd, read_only),
            GrantKind::Listener { datagram: true } => Descriptor::replying(fd),
            GrantKind::Listener { datagram: false } => Descriptor::listener(fd),
            GrantKind::Device => Descriptor::with_role(fd, Role::Device),
        };
        let handle = self.install(descriptor)?;
        self.grants.entries[index].issued = Some((handle, self.descriptors.serial(handle)));
        Ok(handle)
    }
}
