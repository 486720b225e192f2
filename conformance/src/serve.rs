//! The adapter side of the protocol: serves any in-process implementation over JSON
//! lines, so the reference can be tested through the same path as other languages.

use crate::implementation::{Capability, Implementation, SutError};
use crate::protocol::{ErrorCode, Request, Response, PROTOCOL_VERSION};
use std::io::{BufRead, Write};

/// Answers requests from `input` until it closes. Returns the first I/O error.
pub fn serve(implementation: &mut dyn Implementation, input: impl BufRead, mut output: impl Write) -> std::io::Result<()> {
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let response = match serde_json::from_str::<Request>(&line) {
            Ok(request) => answer(implementation, request),
            Err(error) => Response::Error { id: 0, code: ErrorCode::BadRequest, message: format!("not a request: {error}") },
        };
        let text = serde_json::to_string(&response).unwrap_or_else(|e| {
            format!("{{\"type\":\"error\",\"id\":{},\"code\":\"internal\",\"message\":\"cannot encode: {e}\"}}", response.id())
        });
        writeln!(output, "{text}")?;
        output.flush()?;
    }
    Ok(())
}

fn answer(implementation: &mut dyn Implementation, request: Request) -> Response {
    let id = request.id();
    let result = match request {
        Request::Hello { protocol, .. } if protocol != PROTOCOL_VERSION => {
            return Response::Error { id, code: ErrorCode::Unsupported, message: format!("protocol {protocol}, expected {PROTOCOL_VERSION}") };
        }
        Request::Hello { .. } => implementation.capabilities().map(|claimed| Response::Hello {
            id,
            protocol: PROTOCOL_VERSION,
            implementation: implementation.name(),
            capabilities: claimed.into_iter().collect::<Vec<Capability>>(),
        }),
        Request::Reset { world, .. } => implementation.reset(&world).map(|_| Response::Ready { id }),
        Request::Apply { operation, .. } => implementation.apply(&operation).map(|observation| Response::Observation { id, observation }),
        Request::Stored { .. } => implementation.stored_objects().map(|objects| Response::Stored { id, objects }),
        Request::Links { .. } => implementation.delivered_links().map(|urls| Response::Links { id, urls }),
        Request::Crypto { construction, case, .. } => {
            implementation.crypto_case(&construction, &case).map(|verdict| Response::Crypto { id, verdict })
        }
    };
    result.unwrap_or_else(|error| error_response(id, error))
}

fn error_response(id: u64, error: SutError) -> Response {
    let code = match &error {
        SutError::Reported { code, .. } if code == "unsupported" => ErrorCode::Unsupported,
        SutError::Protocol { .. } => ErrorCode::BadRequest,
        _ => ErrorCode::Internal,
    };
    Response::Error { id, code, message: error.to_string() }
}
