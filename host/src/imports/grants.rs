//! `ioring:ring/grants`.

use crate::bindings::ErrorCode;
use crate::bindings::ioring::ring::grants::Host;
use crate::descriptors::Descriptor;
use crate::guest::Guest;

impl Host for Guest {
    fn directory(&mut self, name: String) -> wasmtime::Result<Result<u32, ErrorCode>> {
        let Some(index) = self.grants.dirs.iter().position(|d| d.spec.guest == name) else {
            return Ok(Err(ErrorCode::NoEntry));
        };
        let grant = &self.grants.dirs[index];
        if let Some((handle, serial)) = grant.issued {
            if self.descriptors.serial(handle) == serial {
                return Ok(Ok(handle));
            }
        }
        let descriptor = match grant.fd.try_clone() {
            Ok(fd) => Descriptor::new(fd, grant.spec.read_only),
            Err(e) => return Ok(Err(crate::errno::to_error_code(e.raw_os_error().unwrap_or(libc::EIO)))),
        };
        Ok(self.install(descriptor).inspect(|&handle| {
            let serial = self.descriptors.serial(handle);
            self.grants.dirs[index].issued = Some((handle, serial));
        }))
    }

    fn listener(&mut self, _name: String) -> wasmtime::Result<Result<u32, ErrorCode>> {
        Ok(Err(ErrorCode::NoEntry))
    }

    fn device(&mut self, _name: String) -> wasmtime::Result<Result<u32, ErrorCode>> {
        Ok(Err(ErrorCode::NoEntry))
    }
}
