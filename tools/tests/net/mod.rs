//! Loopback network traffic for the network tools' tests, in one place:
//! - connections made by the test process itself, in the calling thread
//!   (`listen`, `connect`, `refused`): its pid is ours, its comm the
//!   calling thread's name;
//! - transfers of known byte counts between two named threads
//!   (`Listener::transfer`);
//! - `sockets`: a child process (tools/tests/helpers/sockets.c) with a pid
//!   and name of its own, binding, listening and connecting as told;
//! - ports that nobody uses (`free_ports`).
#![allow(dead_code)]

pub mod sockets;

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::thread;

pub const V4: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
pub const V6: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);

/// The comm the kernel shows for the calling thread (a test's thread is
/// named after the test, cut to 15 bytes).
pub fn thread_comm() -> String {
    std::fs::read_to_string("/proc/thread-self/comm")
        .unwrap()
        .trim_end()
        .to_string()
}

/// A comm as a table cuts it: its first `n` characters.
pub fn cut(comm: &str, n: usize) -> String {
    comm.chars().take(n).collect()
}

pub fn pid() -> u32 {
    std::process::id()
}

/// A python3 child, held until released, that connects to `port` on
/// 127.0.0.1 and closes; `prefix` runs it (say, as another user).
pub fn python_connect(prefix: &str, port: u16) -> crate::common::GatedChild {
    crate::common::GatedChild::spawn(&format!(
        "{prefix} /usr/bin/python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port})).close()\""
    ))
}

pub fn listen(ip: IpAddr) -> TcpListener {
    TcpListener::bind(SocketAddr::new(ip, 0)).unwrap()
}

pub fn port(l: &TcpListener) -> u16 {
    l.local_addr().unwrap().port()
}

/// One established connection: the client's and the accepted socket.
pub struct Conn {
    pub client: TcpStream,
    pub server: TcpStream,
    /// The listener's (destination) port.
    pub dport: u16,
    /// The client's (source) port.
    pub sport: u16,
}

/// Connect to `l` and accept, all in the calling thread.
pub fn connect(l: &TcpListener) -> Conn {
    let addr = l.local_addr().unwrap();
    let client = TcpStream::connect(addr).unwrap();
    let (server, _) = l.accept().unwrap();
    let sport = client.local_addr().unwrap().port();
    Conn {
        client,
        server,
        dport: addr.port(),
        sport,
    }
}

impl Conn {
    /// The client closes first, then the server, after it has read the FIN.
    pub fn close(self) {
        let Conn {
            client, mut server, ..
        } = self;
        drop(client);
        let mut buf = [0u8; 16];
        assert_eq!(
            server.read(&mut buf).unwrap(),
            0,
            "expected the client's FIN"
        );
        drop(server);
    }
}

/// A port on `ip` where nothing listens (bound once, then released).
pub fn closed_port(ip: IpAddr) -> u16 {
    port(&listen(ip))
}

/// A connect that the kernel refuses (a reset from a closed port); returns the port.
pub fn refused(ip: IpAddr) -> u16 {
    let p = closed_port(ip);
    let err = TcpStream::connect(SocketAddr::new(ip, p)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
    p
}

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

/// `N` different TCP ports that nobody uses on 127.0.0.1 and ::1 right now
/// (different, so that a port names one socket in a tool's output).
pub fn free_ports<const N: usize>() -> [u16; N] {
    let mut ports = [0; N];
    for i in 0..N {
        ports[i] = std::iter::repeat_with(free_port)
            .find(|p| !ports[..i].contains(p))
            .unwrap();
    }
    ports
}

/// A TCP port nobody uses on 127.0.0.1 and ::1 right now.
fn free_port() -> u16 {
    loop {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        if std::net::TcpListener::bind(("::1", port)).is_ok()
            && std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok()
            && std::net::UdpSocket::bind(("::1", port)).is_ok()
        {
            return port;
        }
    }
}
