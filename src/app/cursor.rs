/// A selection in a scrolling list: which row is selected and which row is at the top.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListCursor {
    pub selected: usize,
    pub offset: usize,
}

impl ListCursor {
    /// Moves by `delta` rows within a list of `len` rows, keeping the selection visible in a
    /// window of `page` rows.
    pub fn move_by(&mut self, delta: isize, len: usize, page: usize) {
        if len == 0 {
            *self = Self::default();
            return;
        }
        let target = self.selected as isize + delta;
        self.selected = target.clamp(0, len as isize - 1) as usize;
        self.scroll_into_view(len, page);
    }

    pub fn to_top(&mut self) {
        *self = Self::default();
    }

    pub fn to_bottom(&mut self, len: usize, page: usize) {
        self.selected = len.saturating_sub(1);
        self.scroll_into_view(len, page);
    }

    pub fn select(&mut self, index: usize, len: usize, page: usize) {
        self.selected = index;
        self.scroll_into_view(len, page);
    }

    /// Re-establishes the invariants after the list or the window changed size.
    pub fn scroll_into_view(&mut self, len: usize, page: usize) {
        let page = page.max(1);
        if len == 0 {
            *self = Self::default();
            return;
        }
        self.selected = self.selected.min(len - 1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        // Never leave empty rows at the bottom while there is more above.
        let max_offset = len.saturating_sub(page);
        self.offset = self.offset.min(max_offset);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_keeps_selection_in_window() {
        let mut c = ListCursor::default();
        c.move_by(12, 100, 10);
        assert_eq!((c.selected, c.offset), (12, 3));
        c.move_by(-5, 100, 10);
        assert_eq!((c.selected, c.offset), (7, 3));
        c.move_by(-100, 100, 10);
        assert_eq!((c.selected, c.offset), (0, 0));
        c.to_bottom(100, 10);
        assert_eq!((c.selected, c.offset), (99, 90));
    }

    #[test]
    fn shrinking_list_clamps_selection_and_offset() {
        let mut c = ListCursor {
            selected: 50,
            offset: 45,
        };
        c.scroll_into_view(20, 10);
        assert_eq!((c.selected, c.offset), (19, 10));
        c.scroll_into_view(0, 10);
        assert_eq!(c, ListCursor::default());
    }
}
