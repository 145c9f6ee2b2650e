//! TCP traffic on loopback for the network tools' tests: a listener and a
//! client in this process, on threads with known names, moving known byte
//! counts each way.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::thread;

/// The client thread's name, its comm in the kernel.
pub const CLIENT_COMM: &str = "bpftk-tcp-cli";
/// The server thread's name.
pub const SERVER_COMM: &str = "bpftk-tcp-srv";

/// A listener on an ephemeral port of `ip`, ready before any tool starts.
pub struct Listener {
    listener: TcpListener,
    pub ip: IpAddr,
    pub port: u16,
}

/// What one connection did.
#[derive(Debug, Clone, Copy)]
pub struct Transfer {
    /// The client's (ephemeral) port.
    pub client_port: u16,
    pub server_port: u16,
}

impl Listener {
    pub fn new(ip: &str) -> Listener {
        Listener::at(ip, 0)
    }

    /// A listener on `port` of `ip` (0: any free port).
    pub fn at(ip: &str, port: u16) -> Listener {
        let ip: IpAddr = ip.parse().unwrap();
        let listener = TcpListener::bind(SocketAddr::new(ip, port)).unwrap();
        let port = listener.local_addr().unwrap().port();
        Listener { listener, ip, port }
    }

    /// One connection: the client sends `up` bytes, the server answers with
    /// `down` bytes, the client closes first (FIN_WAIT1 ... on its side),
    /// then the server (CLOSE_WAIT, LAST_ACK). Returns once both closed.
    pub fn transfer(&self, up: usize, down: usize) -> Transfer {
        let listener = self.listener.try_clone().unwrap();
        let server = thread::Builder::new()
            .name(SERVER_COMM.into())
            .spawn(move || {
                let (mut s, _) = listener.accept().unwrap();
                let mut buf = vec![0u8; up];
                s.read_exact(&mut buf).unwrap();
                s.write_all(&vec![b'd'; down]).unwrap();
                // Wait for the client's FIN, then close.
                let mut rest = Vec::new();
                s.read_to_end(&mut rest).unwrap();
                assert!(rest.is_empty());
            })
            .unwrap();
        let addr = SocketAddr::new(self.ip, self.port);
        let client = thread::Builder::new()
            .name(CLIENT_COMM.into())
            .spawn(move || {
                let mut c = TcpStream::connect(addr).unwrap();
                let port = c.local_addr().unwrap().port();
                c.write_all(&vec![b'u'; up]).unwrap();
                let mut buf = vec![0u8; down];
                c.read_exact(&mut buf).unwrap();
                port
            })
            .unwrap();
        let client_port = client.join().unwrap();
        server.join().unwrap();
        Transfer {
            client_port,
            server_port: self.port,
        }
    }
}
