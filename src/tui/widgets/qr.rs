//! A QR code in Unicode half blocks, with the widest quiet zone (up to the standard four
//! modules) that fits the space, so enrolment works at 80×24 too.
//!
//! Drawn like `auth::totp::qr_text`: light modules and the quiet zone as blocks in the
//! terminal's foreground colour, dark modules as background (dark-on-light for the phone on
//! the usual light-on-dark terminal).

use qrcode::{Color, EcLevel, QrCode};

/// The lines of the code for `data`, or `None` when it cannot fit `max_w`×`max_h` cells.
pub fn lines(data: &str, max_w: usize, max_h: usize) -> Option<Vec<String>> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::L).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let quiet = (1..=4).rev().find(|q| {
        let size = width + 2 * q;
        size <= max_w && size.div_ceil(2) <= max_h
    })?;
    let size = width + 2 * quiet;
    let lit = |x: usize, y: usize| -> bool {
        if y >= size {
            return false;
        }
        let inside = (quiet..quiet + width).contains(&x) && (quiet..quiet + width).contains(&y);
        !inside
            || colors
                .get((y - quiet) * width + (x - quiet))
                .is_some_and(|c| *c == Color::Light)
    };
    Some(
        (0..size)
            .step_by(2)
            .map(|y| {
                (0..size)
                    .map(|x| match (lit(x, y), lit(x, y + 1)) {
                        (true, true) => '█',
                        (true, false) => '▀',
                        (false, true) => '▄',
                        (false, false) => ' ',
                    })
                    .collect()
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_shared_drawing_with_the_full_quiet_zone() {
        let url =
            "otpauth://totp/Kasefet:noa?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Kasefet";
        let ours = lines(url, 200, 200).unwrap_or_default().join("\n") + "\n";
        assert_eq!(ours, crate::auth::totp::qr_text(url).unwrap_or_default());
    }

    #[test]
    fn narrows_the_quiet_zone_to_fit() {
        let url = "otpauth://totp/Kasefet:noa?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Kasefet&algorithm=SHA1&digits=6&period=30";
        let full = lines(url, 200, 200).unwrap_or_default();
        let small = lines(url, 46, 23).unwrap_or_default();
        assert!(small.len() <= 23 && small.len() < full.len());
        assert!(lines(url, 20, 10).is_none());
    }
}
