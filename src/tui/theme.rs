//! Semantic styles. Colours are the 16 ANSI ones (readable everywhere); meaning never rests
//! on colour alone: selection is reversed, statuses carry words or glyphs.

use ratatui::style::{Color, Modifier, Style};

use crate::config::ThemeName;

#[derive(Clone, Debug)]
pub struct Theme {
    pub mono: bool,
    pub base: Style,
    pub title: Style,
    pub tab: Style,
    pub tab_active: Style,
    pub border: Style,
    pub border_focus: Style,
    pub header: Style,
    pub selected: Style,
    pub selected_unfocused: Style,
    pub marked: Style,
    pub ok: Style,
    pub warning: Style,
    pub danger: Style,
    pub muted: Style,
    pub accent: Style,
    pub key: Style,
}

impl Theme {
    /// `no_color` comes from a non-empty `NO_COLOR`; it forces the monochrome theme.
    pub fn new(name: ThemeName, no_color: bool) -> Theme {
        let name = if no_color { ThemeName::Mono } else { name };
        match name {
            ThemeName::Mono => Theme::mono(),
            ThemeName::Light => Theme::colour(Color::Black, Color::Blue, Color::Magenta),
            ThemeName::Dark | ThemeName::Auto => Theme::colour(Color::Gray, Color::Cyan, Color::Yellow),
        }
    }

    fn colour(fg: Color, accent: Color, key: Color) -> Theme {
        let b = Modifier::BOLD;
        Theme {
            mono: false,
            base: Style::new(),
            title: Style::new().fg(accent).add_modifier(b),
            tab: Style::new().fg(fg),
            tab_active: Style::new().fg(accent).add_modifier(b | Modifier::REVERSED),
            border: Style::new().fg(Color::DarkGray),
            border_focus: Style::new().fg(accent),
            header: Style::new().add_modifier(b | Modifier::UNDERLINED),
            selected: Style::new().add_modifier(Modifier::REVERSED | b),
            selected_unfocused: Style::new().add_modifier(Modifier::REVERSED),
            marked: Style::new().fg(key).add_modifier(b),
            ok: Style::new().fg(Color::Green),
            warning: Style::new().fg(Color::Yellow),
            danger: Style::new().fg(Color::Red).add_modifier(b),
            muted: Style::new().fg(Color::DarkGray),
            accent: Style::new().fg(accent),
            key: Style::new().fg(key).add_modifier(b),
        }
    }

    fn mono() -> Theme {
        let b = Modifier::BOLD;
        Theme {
            mono: true,
            base: Style::new(),
            title: Style::new().add_modifier(b),
            tab: Style::new(),
            tab_active: Style::new().add_modifier(b | Modifier::REVERSED),
            border: Style::new(),
            border_focus: Style::new().add_modifier(b),
            header: Style::new().add_modifier(b | Modifier::UNDERLINED),
            selected: Style::new().add_modifier(Modifier::REVERSED | b),
            selected_unfocused: Style::new().add_modifier(Modifier::REVERSED),
            marked: Style::new().add_modifier(b),
            ok: Style::new(),
            warning: Style::new().add_modifier(b),
            danger: Style::new().add_modifier(b | Modifier::UNDERLINED),
            muted: Style::new().add_modifier(Modifier::DIM),
            accent: Style::new().add_modifier(b),
            key: Style::new().add_modifier(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_means_no_colour_anywhere() {
        let t = Theme::new(ThemeName::Dark, true);
        assert!(t.mono);
        for s in [t.title, t.ok, t.warning, t.danger, t.selected, t.muted, t.key, t.tab_active] {
            assert_eq!(s.fg, None);
            assert_eq!(s.bg, None);
        }
        // Selection still shows without colour.
        assert!(t.selected.add_modifier.contains(Modifier::REVERSED));
    }
}
