#!/usr/bin/env bash
# Compares ministage with cmus (the peer named by the foundation issue) on this machine:
#   1. adding a 10,000-file tree of small tagged FLAC and MP3 files, warm page cache;
#   2. peak memory (VmHWM) with 100,000 tracks loaded in the UI.
# Needs tmux, cmus and hyperfine (installed with apt-get when missing). Prints figures only; it
# is a measurement, not a test.
set -euo pipefail
cd "$(dirname "$0")/.."

for p in tmux cmus hyperfine; do
    command -v "$p" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$p"; }
done
cargo build --release --quiet
cargo build --release --quiet --example gen_tree

data=target/bench-data
tree=$data/tree-10000
if [[ ! -f $tree/.complete ]]; then
    rm -rf "$tree"
    target/release/examples/gen_tree "$tree" 10000
    touch "$tree/.complete"
fi
links=$data/links-10
mkdir -p "$links"
for i in $(seq -w 0 9); do
    [[ -e $links/copy0$i ]] || ln -s "$(realpath "$tree")" "$links/copy0$i"
done
find "$tree" -type f -exec cat {} + >/dev/null # warm the page cache

echo "== ministage import of 10,000 files (empty library each run)"
hyperfine --warmup 1 --runs 5 --prepare "rm -f $data/cmp.sqlite3 $data/cmp.sqlite3-wal $data/cmp.sqlite3-shm" \
    "target/release/ministage --library $data/cmp.sqlite3 import $tree"

# cmus runs in a detached tmux session with its own home, so its cache starts empty.
run_cmus() {
    local home=$1
    rm -rf "$home" && mkdir -p "$home"
    tmux kill-session -t cmusbench 2>/dev/null || true
    CMUS_HOME=$home XDG_RUNTIME_DIR=$home tmux new-session -d -s cmusbench -x 120 -y 40 "cmus"
    for _ in $(seq 50); do [[ -S $home/cmus-socket ]] && break; sleep 0.1; done
    # Without a sound device cmus stops at "Press <enter> to continue".
    sleep 1
    tmux send-keys -t cmusbench Enter
}
cmus_count() {
    local home=$1 out=$home/lib.m3u
    rm -f "$out"
    # cmus refuses to save while it is still adding: that counts as "not yet".
    timeout 5 cmus-remote --server "$home/cmus-socket" -C "save -l $out" 2>/dev/null || true
    if [[ -f $out ]]; then grep -vc '^#' "$out"; else echo 0; fi
}
add_and_wait() {
    local home=$1 dir=$2 want=$3
    local start end
    start=$(date +%s.%N)
    cmus-remote --server "$home/cmus-socket" -l "$dir"
    while (($(cmus_count "$home") < want)); do sleep 0.02; done
    end=$(date +%s.%N)
    echo "cmus added $want files in $(echo "$end - $start" | bc) s"
}

echo "== cmus add of 10,000 files"
for run in 1 2 3; do
    run_cmus "$data/cmus-home"
    add_and_wait "$data/cmus-home" "$(realpath "$tree")" 10000
done

echo "== peak memory with 100,000 tracks"
run_cmus "$data/cmus-home"
add_and_wait "$data/cmus-home" "$(realpath "$links")" 100000
cmus_pid=$(pgrep -n -x cmus)
grep VmHWM "/proc/$cmus_pid/status" | sed 's/^/cmus /'
tmux kill-session -t cmusbench

rm -f $data/cmp100k.sqlite3*
target/release/ministage --library $data/cmp100k.sqlite3 import "$links" >/dev/null
tmux new-session -d -s msbench -x 120 -y 40 \
    "target/release/ministage --library $data/cmp100k.sqlite3 --log-file $data/ms.log"
for _ in $(seq 100); do
    tmux capture-pane -p -t msbench | grep -q '100,000 tracks' && break
    sleep 0.1
done
for key in l j j l G g; do tmux send-keys -t msbench "$key"; sleep 0.2; done
ms_pid=$(pgrep -n -f "ministage --library $data/cmp100k")
grep VmHWM "/proc/$ms_pid/status" | sed 's/^/ministage /'
tmux send-keys -t msbench q
