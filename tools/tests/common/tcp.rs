//! Loopback TCP traffic for the network tools' tests, made by the test
//! process itself: its pid is ours, its comm is the calling thread's name.
#![allow(dead_code)]

use std::io::{ErrorKind, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};

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

pub fn pid() -> u32 {
    std::process::id()
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
