//! The terminal backend of the dashboard: crossterm's, plus scroll regions and one write
//! per frame.
//!
//! ratatui diffs each frame against the previous one cell by cell, so a table that scrolls
//! by one row repaints every visible row (over 3 KB at 160×48). This backend keeps a shadow
//! of what the terminal shows; when a band of rows of the new frame is the old screen moved
//! up or down, it scrolls that band on the terminal (DECSTBM margins, then SU or SD), moves
//! its shadow the same way, and sends only the cells that still differ. Every write of a
//! frame is held until [`ScrollBackend::end_frame`], so a frame leaves in one write,
//! synchronized-update brackets included.

mod plan;

use std::io::{self, Write};

use crossterm::cursor::{Hide, MoveTo, Show};
use crossterm::queue;
use crossterm::style::{Attribute, SetAttribute};
use crossterm::terminal::{BeginSynchronizedUpdate, Clear, EndSynchronizedUpdate};
use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Rect, Size};
use unicode_width::UnicodeWidthStr;

use self::plan::{Frames, MIN_ROWS, Scroll, row, row_hash};

/// Scrolls tried per frame (a screen with two bands that moved needs two).
const MAX_SCROLLS: usize = 4;

/// [`CrosstermBackend`] with scroll regions and frames held to one write (see the module).
pub struct ScrollBackend<W: Write> {
    inner: CrosstermBackend<W>,
    /// The terminal's size when the caller fixes it (tests, benches); else the terminal's.
    fixed: Option<Size>,
    /// The size last reported to ratatui, which sized its frame with it.
    reported: std::cell::Cell<Size>,
    /// What the terminal shows (row hashes alongside); meaningless when not `trusted`.
    shadow: Buffer,
    hashes: Vec<u64>,
    /// False after something this backend cannot follow moved the screen: frames then go
    /// out as ratatui diffed them, until a full clear makes the shadow known again.
    trusted: bool,
    /// Scratch of [`Backend::draw`]: the shadow with this frame's cells applied. Kept
    /// between frames, with the rows where it is behind the shadow, to copy only those.
    next: Buffer,
    next_hashes: Vec<u64>,
    /// Rows where `next` is behind the shadow.
    stale: Vec<bool>,
    /// Per row, the cells where `next` differs from the shadow, while known.
    differing: Vec<Option<usize>>,
    /// Where the last cursor move put the cursor (`None`: unknown, e.g. after drawing).
    cursor: Option<Position>,
    /// Whether the cursor is hidden (`None`: unknown), to send Hide once, not every frame.
    cursor_hidden: Option<bool>,
    /// Between `begin_frame` and `end_frame`: flushes wait for the end.
    in_frame: bool,
    /// Off (`[display] scroll_regions = "off"`): frames go out as ratatui diffed them, for
    /// terminals or multiplexers that mishandle scroll margins. Still one write per frame.
    scroll_regions: bool,
}

impl<W: Write> ScrollBackend<W> {
    /// A backend for the terminal `writer` goes to, whose size is asked when needed.
    pub fn new(writer: W) -> Self {
        Self::build(writer, None)
    }

    /// A backend for a terminal of a known size (tests, benches), changed by [`Self::resize`].
    pub fn with_size(writer: W, size: Size) -> Self {
        Self::build(writer, Some(size))
    }

    fn build(writer: W, fixed: Option<Size>) -> Self {
        ScrollBackend {
            inner: CrosstermBackend::new(writer),
            fixed,
            reported: std::cell::Cell::new(Size::ZERO),
            shadow: Buffer::empty(Rect::ZERO),
            hashes: Vec::new(),
            trusted: true,
            next: Buffer::empty(Rect::ZERO),
            next_hashes: Vec::new(),
            stale: Vec::new(),
            differing: Vec::new(),
            cursor: None,
            cursor_hidden: None,
            in_frame: false,
            scroll_regions: true,
        }
    }

    /// Whether bands that moved are scrolled on the terminal (on by default).
    pub fn with_scroll_regions(mut self, on: bool) -> Self {
        self.scroll_regions = on;
        self
    }

    /// Changes the size of a fixed-size terminal, as a window resize would.
    pub fn resize(&mut self, size: Size) {
        self.fixed = Some(size);
    }

    /// Opens a frame: synchronized output starts, and writes are held until [`Self::end_frame`].
    pub fn begin_frame(&mut self) -> io::Result<()> {
        self.in_frame = true;
        queue!(self.inner, BeginSynchronizedUpdate)
    }

    /// Closes the frame and sends it, in one write when it fits the writer's buffer.
    pub fn end_frame(&mut self) -> io::Result<()> {
        self.in_frame = false;
        queue!(self.inner, EndSynchronizedUpdate)?;
        Write::flush(&mut self.inner)
    }

    /// The screen's size: the caller's, else what ratatui was last told, else the terminal's.
    fn screen(&self) -> io::Result<Size> {
        match self.fixed {
            Some(s) => Ok(s),
            None if self.reported.get() != Size::ZERO => Ok(self.reported.get()),
            None => self.inner.size(),
        }
    }

    /// Forgets the screen: it is blank now (a full clear, or the start).
    fn reset_shadow(&mut self) -> io::Result<()> {
        let area = Rect::from((Position::ORIGIN, self.screen()?));
        self.shadow = Buffer::empty(area);
        self.next = Buffer::empty(area);
        let blank = row_hash(&Buffer::empty(Rect::new(0, 0, area.width, 1)), 0);
        self.hashes = vec![blank; area.height as usize];
        self.next_hashes = self.hashes.clone();
        self.stale = vec![false; area.height as usize];
        self.differing = vec![None; area.height as usize];
        self.trusted = true;
        Ok(())
    }

    /// Sends the cells of `next` that differ from the shadow.
    fn send_diff(&mut self) -> io::Result<()> {
        let ScrollBackend { inner, shadow, next, .. } = self;
        inner.draw(shadow.diff_iter(next))
    }

    /// Scrolls a band of the terminal, and the shadow with it.
    fn scroll(&mut self, s: Scroll) -> io::Result<()> {
        let (top, bottom) = s.region();
        // The rows a scroll uncovers take the current background: make it the default, as
        // the shadow's blank cells are.
        queue!(self.inner, SetAttribute(Attribute::Reset))?;
        let (n, dir) = (s.shift.unsigned_abs(), if s.shift > 0 { 'S' } else { 'T' });
        write!(self.inner, "\x1b[{};{}r\x1b[{n}{dir}\x1b[r", top + 1, bottom)?;
        // Resetting the margins homes the cursor.
        self.cursor = None;
        s.apply(&mut self.shadow, &mut self.hashes);
        self.stale[top..bottom].fill(true);
        self.differing[top..bottom].fill(None);
        Ok(())
    }

    /// The scroll worth doing to turn the screen into `next`, if any.
    fn best_scroll(&self) -> Option<Scroll> {
        Frames {
            now: &self.shadow,
            now_hashes: &self.hashes,
            next: &self.next,
            next_hashes: &self.next_hashes,
            differing: &self.differing,
        }
        .best_scroll()
    }
}

impl<W: Write> Write for ScrollBackend<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(self)
    }
}

impl<W: Write> Backend for ScrollBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.cursor = None;
        if !self.scroll_regions {
            // Nothing changed: not even the colour resets crossterm would send.
            let mut content = content.peekable();
            return if content.peek().is_none() { Ok(()) } else { self.inner.draw(content) };
        }
        let updates: Vec<(u16, u16, &Cell)> = content.collect();
        let screen = self.screen()?;
        if self.shadow.area.as_size() != screen {
            // At the start the screen is blank (a new alternate screen), as ratatui assumes;
            // later, a size this backend did not report means a screen it cannot know.
            let start = self.shadow.area.is_empty();
            self.reset_shadow()?;
            self.trusted = start;
        }
        let (w, h) = (screen.width as usize, screen.height as usize);
        if !self.trusted || updates.iter().any(|(x, y, _)| *x as usize >= w || *y as usize >= h) {
            self.trusted = false;
            return self.inner.draw(updates.into_iter());
        }
        if updates.is_empty() {
            // Nothing changed: not even the colour resets crossterm would send.
            return Ok(());
        }
        for y in (0..h).filter(|y| self.stale[*y]) {
            self.next.content[y * w..(y + 1) * w].clone_from_slice(row(&self.shadow, y));
            self.next_hashes[y] = self.hashes[y];
        }
        self.stale.fill(false);
        self.differing.fill(Some(0));
        for (x, y, cell) in &updates {
            let (x, y) = (*x as usize, *y as usize);
            let i = y * w + x;
            self.next.content[i] = (*cell).clone();
            // The columns a wide character covers show nothing of their own, as ratatui's
            // buffer resets them.
            for k in 1..cell.symbol().width().min(w - x) {
                self.next.content[i + k].reset();
            }
            self.stale[y] = true;
            self.differing[y] = self.differing[y].map(|n| n + 1);
        }
        let touched: Vec<usize> = (0..h).filter(|y| self.stale[*y]).collect();
        for y in &touched {
            self.next_hashes[*y] = row_hash(&self.next, *y);
        }
        let mut scrolled = false;
        if touched.len() >= MIN_ROWS {
            for _ in 0..MAX_SCROLLS {
                let Some(s) = self.best_scroll() else { break };
                self.scroll(s)?;
                scrolled = true;
            }
        }
        if scrolled {
            self.send_diff()?;
        } else {
            self.inner.draw(updates.into_iter())?;
        }
        // The old shadow becomes the scratch, behind the new one on the rows marked stale.
        std::mem::swap(&mut self.shadow, &mut self.next);
        std::mem::swap(&mut self.hashes, &mut self.next_hashes);
        Ok(())
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        // Printed newlines may scroll the whole screen.
        self.trusted = false;
        for _ in 0..n {
            self.inner.write_all(b"\n")?;
        }
        Ok(())
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.cursor_hidden != Some(true) {
            queue!(self.inner, Hide)?;
            self.cursor_hidden = Some(true);
        }
        Ok(())
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        if self.cursor_hidden != Some(false) {
            queue!(self.inner, Show)?;
            self.cursor_hidden = Some(false);
        }
        Ok(())
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let p = position.into();
        queue!(self.inner, MoveTo(p.x, p.y))?;
        self.cursor = Some(p);
        Ok(())
    }

    fn clear(&mut self) -> io::Result<()> {
        self.clear_region(ClearType::All)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        use crossterm::terminal::ClearType as C;
        // Cleared cells take the current background: make it the default.
        queue!(self.inner, SetAttribute(Attribute::Reset))?;
        let (kind, range) = match (clear_type, self.cursor) {
            (ClearType::All, _) => (C::All, None),
            (ClearType::AfterCursor, Some(p)) => (C::FromCursorDown, Some((p, None))),
            (ClearType::BeforeCursor, Some(p)) => (C::FromCursorUp, Some((Position::ORIGIN, Some(p)))),
            (ClearType::CurrentLine, Some(p)) => {
                (C::CurrentLine, Some((Position::new(0, p.y), Some(Position::new(u16::MAX, p.y)))))
            }
            (ClearType::UntilNewLine, Some(p)) => {
                (C::UntilNewLine, Some((p, Some(Position::new(u16::MAX, p.y)))))
            }
            (other, None) => {
                // Where the cursor is, this backend does not know: the screen is unknown now.
                self.trusted = false;
                let kind = match other {
                    ClearType::All | ClearType::AfterCursor => C::FromCursorDown,
                    ClearType::BeforeCursor => C::FromCursorUp,
                    ClearType::CurrentLine => C::CurrentLine,
                    ClearType::UntilNewLine => C::UntilNewLine,
                };
                return queue!(self.inner, Clear(kind));
            }
        };
        queue!(self.inner, Clear(kind))?;
        match range {
            None => self.reset_shadow()?,
            Some((from, to)) => {
                let area = self.shadow.area;
                let index = |p: Position| {
                    (p.y.min(area.height.saturating_sub(1)) as usize) * area.width as usize
                        + p.x.min(area.width.saturating_sub(1)) as usize
                };
                if !area.is_empty() {
                    let end = to.map_or(self.shadow.content.len(), |p| index(p) + 1);
                    let start = index(from);
                    self.shadow.content[start..end.max(start)].iter_mut().for_each(Cell::reset);
                    for y in 0..area.height as usize {
                        self.hashes[y] = row_hash(&self.shadow, y);
                    }
                    self.stale.fill(true);
                }
            }
        }
        Ok(())
    }

    fn size(&self) -> io::Result<Size> {
        let size = match self.fixed {
            Some(s) => s,
            None => self.inner.size()?,
        };
        self.reported.set(size);
        Ok(size)
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        match self.fixed {
            Some(s) => Ok(WindowSize { columns_rows: s, pixels: Size::ZERO }),
            None => self.inner.window_size(),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        // Inside a frame ratatui flushes after its cells; the frame goes out at its end.
        if self.in_frame { Ok(()) } else { Write::flush(&mut self.inner) }
    }

    fn scroll_region_up(&mut self, region: std::ops::Range<u16>, line_count: u16) -> io::Result<()> {
        if !self.scroll_regions {
            return self.inner.scroll_region_up(region, line_count);
        }
        self.scroll_region(region, line_count as isize)
    }

    fn scroll_region_down(&mut self, region: std::ops::Range<u16>, line_count: u16) -> io::Result<()> {
        if !self.scroll_regions {
            return self.inner.scroll_region_down(region, line_count);
        }
        self.scroll_region(region, -(line_count as isize))
    }
}

impl<W: Write> ScrollBackend<W> {
    /// ratatui's own scroll requests (inline viewports), kept in the shadow too.
    fn scroll_region(&mut self, region: std::ops::Range<u16>, shift: isize) -> io::Result<()> {
        let h = self.shadow.area.height as usize;
        let (start, end) = (region.start as usize, (region.end as usize).min(h));
        let n = shift.unsigned_abs().min(end.saturating_sub(start));
        if n == 0 {
            return Ok(());
        }
        let s = if shift > 0 {
            Scroll { top: start, bottom: end - n, shift: n as isize }
        } else {
            Scroll { top: start + n, bottom: end, shift: -(n as isize) }
        };
        self.scroll(s)
    }
}
