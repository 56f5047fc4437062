#!/usr/bin/env python3
"""Reads the clock the end-to-end test page paints into every frame (e2e/page/index.html)
back out of a recording, and reports the media timeline: first/last wall-clock time shown,
frames decoded, and every jump in the clock larger than --gap-ms (a failover gap).

Usage: timecode.py VIDEO [--gap-ms 500] [--fps-hint 15]   -> JSON on stdout
       timecode.py VIDEO --near-ms MS  (the page paints 40 bits of the clock; default near = now)
       timecode.py --selftest                              -> encodes known clocks, decodes them
Only the Python standard library and the ffmpeg binary are used.
"""
import argparse
import json
import subprocess
import sys

BLOCK, ROW, BITS = 16, 24, 40
STEADY_STEPS = 5  # clock changes in a row that keep pace with the frames: the page paints normally again
WIDTH = BITS * BLOCK  # the strip the decoder reads: 640 x 48 pixels


def bit_at(frame, width, x_block, y_row):
    """Average of the 6x6 pixels in the middle of a block, thresholded."""
    cx, cy = x_block * BLOCK + BLOCK // 2, y_row * ROW + ROW // 2
    total = 0
    for y in range(cy - 3, cy + 3):
        row = y * width
        for x in range(cx - 3, cx + 3):
            total += frame[row + x]
    return 1 if total / 36 > 128 else 0


def decode(frame, width):
    """(clock_ms, frame_no) from one gray frame, or None if the parity check fails."""
    clock = 0
    for i in range(BITS):
        clock = clock * 2 + bit_at(frame, width, i, 0)
    counter = 0
    for i in range(24):
        counter = counter * 2 + bit_at(frame, width, i, 1)
    for i in range(16):
        expected = 1 - ((clock >> (15 - i)) & 1)
        if bit_at(frame, width, 24 + i, 1) != expected:
            return None
    return clock, counter


def frames(video):
    """Gray frames of the top-left 640x48 strip, with their presentation times."""
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                            "stream=width,height", "-of", "csv=p=0", video],
                           capture_output=True, text=True, check=True)
    width, height = (int(v) for v in probe.stdout.strip().split(",")[:2])
    if width < WIDTH or height < 2 * ROW:
        raise SystemExit("video is %dx%d; the test page needs at least %dx%d" % (width, height, WIDTH, 2 * ROW))
    cmd = ["ffmpeg", "-v", "error", "-i", video, "-map", "0:v:0", "-vf",
           "crop=%d:%d:0:0,format=gray" % (WIDTH, 2 * ROW), "-f", "rawvideo", "-"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    size = WIDTH * 2 * ROW
    while True:
        data = proc.stdout.read(size)
        if len(data) < size:
            break
        yield data
    proc.wait()


def full_clock(clock, near_ms):
    """The page paints the low 40 bits of Date.now(): add back the high part closest to near_ms."""
    period = 1 << BITS
    return clock + round((near_ms - clock) / period) * period


def analyse(video, gap_ms, near_ms):
    """The media timeline. A gap is wall time missing from the media: a jump of the clock beyond
    what the frames before it cover. When the page stalls (the browser did not paint), frames
    repeat the same clock and then it jumps: those frames covered the time, nothing is missing."""
    decoded, failed, first_index = [], 0, None
    for index, frame in enumerate(frames(video)):
        result = decode(frame, WIDTH)
        if result is None:
            failed += 1
        else:
            if first_index is None:
                first_index = index
            decoded.append(result)
    if not decoded:
        return {"frames": 0, "undecodable": failed}
    frame_ms = 1000.0 / fps(video)
    clocks = [full_clock(c, near_ms) for c, _ in decoded]
    gaps, backwards, stalls = [], 0, 0
    prev, run, credit, steady = clocks[0], 1, 0.0, 0
    for cur in clocks[1:]:
        if cur == prev:
            run += 1
            continue
        delta = cur - prev
        if delta < 0:
            backwards += 1
        # what the frames showing `prev` covered beyond the clock's advance (negative: the clock
        # advanced more). A starved page stalls (the same clock for a second or two), then often
        # shows a few late paints that each advance the clock a little, and only then jumps to
        # the present: the frames of the whole episode covered the time (credit), which the jump
        # takes back. Once the clock keeps pace with the frames again (STEADY_STEPS steps, at
        # whatever paint rate), what is left of the credit is a change of the page's paint
        # latency, never an excuse for a later jump (a failover's hole).
        surplus = run * frame_ms - delta
        if delta < 0:
            pass  # out of order: counted in backwards_steps, never a credit
        elif surplus >= 0:
            credit += surplus
        else:
            taken = min(credit, -surplus)
            credit -= taken
            lost = -surplus - taken
            if lost > gap_ms:
                gaps.append({"from_ms": prev, "to_ms": cur, "gap_ms": round(lost), "clock_jump_ms": delta})
        steady = steady + 1 if abs(surplus) < frame_ms else 0
        if steady >= STEADY_STEPS:
            credit = 0.0
        if run > 1 and delta > gap_ms:
            stalls += 1
        prev, run = cur, 1
    # the final run: frames after the clock's last change. When the browser stops painting
    # near the end (a starved host), the recorder still captured them: the last frame was taken
    # (run - 1) frames after the first one showing that clock.
    trailing_ms = round((run - 1) * frame_ms)
    return {
        "frames": len(decoded),
        "undecodable": failed,
        "first_clock_ms": clocks[0],
        # frames before the first one that shows the page (blank while the browser starts)
        "first_clock_frame": first_index,
        "first_clock_media_ms": round(first_index * frame_ms),
        # media time of frames without a readable clock (blank while a browser starts)
        "undecodable_ms": round(failed * frame_ms),
        "last_clock_ms": clocks[-1],
        # media time the page showed its last clock for (0 when it painted to the end)
        "trailing_stall_ms": trailing_ms,
        # when the last frame was captured: its clock plus the frames that repeated it
        "last_frame_wall_ms": clocks[-1] + trailing_ms,
        "wall_span_s": (clocks[-1] - clocks[0]) / 1000.0,
        "frame_ms": round(frame_ms, 3),
        "backwards_steps": backwards,
        "page_stalls": stalls,
        "gaps": gaps,
        "largest_gap_ms": max((g["gap_ms"] for g in gaps), default=0),
        "missing_wall_s": sum(g["gap_ms"] for g in gaps) / 1000.0,
        # media time a frame was held longer than the frame rate (a partial chunk's short video)
        "held_ms": held_ms(video, frame_ms),
    }


def held_ms(video, frame_ms):
    """Media time in which no new video frame starts beyond the frame rate: the join keeps a
    chunk's declared length, so when a killed recorder's partial chunk holds less video than
    sound (a starved encoder lags behind the sound), its last frame stays on screen until the
    next chunk. The frames decoded above do not count that time; the stream's duration does."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "packet=pts_time", "-of", "csv=p=0", video], capture_output=True, text=True,
                         check=True).stdout
    pts = sorted(float(v) for v in out.split() if v.strip() and v.strip() != "N/A")
    held = 0.0
    for a, b in zip(pts, pts[1:]):
        step = (b - a) * 1000.0
        if step > 1.5 * frame_ms:
            held += step - frame_ms
    return round(held)


def fps(video):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "stream=r_frame_rate", "-of", "csv=p=0", video], capture_output=True, text=True,
                         check=True).stdout.strip()
    num, _, den = out.partition("/")
    return float(num) / float(den or 1)


def selftest():
    """Encodes frames with known clocks through x264 (as the recorder does) and decodes them."""
    import os
    import tempfile
    start = 1_790_000_000_000
    # 30 frames, a 4 s hole (a failover), 30 frames, then the page stalls for 10 frames (the
    # same clock repeated) and jumps by what those frames covered: not a gap
    clocks = [start + i * 66 for i in range(30)] + [start + 30 * 66 + 4000 + i * 66 for i in range(30)]
    stalled = clocks[-1] + 66
    clocks += [stalled] * 10 + [stalled + 10 * 66 + i * 66 for i in range(10)]
    # a stall with one late paint in its middle (a starved browser): 30 frames of one clock, 4 of
    # a clock 209 ms later, then the jump to what all 34 frames covered: not a gap either
    late = clocks[-1] + 66
    clocks += [late] * 30 + [late + 209] * 4 + [late + 34 * 66 + i * 66 for i in range(5)]
    # a stall with several late paints (seen on a busy host): 25 frames of one clock, three
    # frames each a little later, then the jump to what all 28 frames covered: not a gap
    late = clocks[-1] + 66
    clocks += [late] * 25 + [late + 50, late + 120, late + 200] + [late + 28 * 66 + i * 66 for i in range(10)]
    # the page paints normally again, so nothing of that episode excuses a real 2 s hole
    clocks += [clocks[-1] + 2000 + 66 + i * 66 for i in range(10)]
    # a page that stays late after a stall, painting every other frame (its clock keeping pace),
    # then a real 3 s hole: the stall's credit is gone by then
    late = clocks[-1] + 66
    clocks += [late] * 20 + [late + 200] + [late + 200 + i * 133 for i in range(1, 8) for _ in range(2)]
    clocks += [clocks[-1] + 3000 + 133 + i * 66 for i in range(10)]
    # and the page stops painting for the last 5 frames: the recorder still captured them
    clocks += [clocks[-1] + 66] * 5
    height = 2 * ROW + 16
    raw = bytearray()
    for n, clock in enumerate(clocks):
        img = bytearray([0x30] * (WIDTH * height))
        def block(xb, yr, on):
            for y in range(yr * ROW, yr * ROW + ROW):
                for x in range(xb * BLOCK, xb * BLOCK + BLOCK):
                    img[y * WIDTH + x] = 255 if on else 0
        for i in range(BITS):
            block(i, 0, (clock >> (BITS - 1 - i)) & 1)
        for i in range(24):
            block(i, 1, (n >> (23 - i)) & 1)
        for i in range(16):
            block(24 + i, 1, not ((clock >> (15 - i)) & 1))
        raw += img
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "t.mp4")
        subprocess.run(["ffmpeg", "-v", "error", "-f", "rawvideo", "-pix_fmt", "gray", "-s",
                        "%dx%d" % (WIDTH, height), "-r", "15", "-i", "-", "-c:v", "libx264", "-preset",
                        "ultrafast", "-pix_fmt", "yuv420p", out], input=bytes(raw), check=True)
        result = analyse(out, 500, start)
    assert result["frames"] == len(clocks), result
    assert result["first_clock_ms"] == clocks[0], result
    assert result["first_clock_frame"] == 0, result
    assert [round(g["gap_ms"] / 10) for g in result["gaps"]] == [400, 200, 300], result
    assert result["page_stalls"] == 0 or result["largest_gap_ms"] < 4100, result
    assert result["trailing_stall_ms"] == round(4 * 1000 / 15), result
    assert result["last_frame_wall_ms"] == clocks[-1] + result["trailing_stall_ms"], result
    assert result["held_ms"] == 0, result
    print("selftest ok: %d frames, gaps %s ms, stalls (with late paints) not counted"
          % (result["frames"], [g["gap_ms"] for g in result["gaps"]]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?")
    parser.add_argument("--gap-ms", type=int, default=500)
    parser.add_argument("--near-ms", type=int, default=None,
                        help="a wall-clock time (ms) near the recording; default: now")
    parser.add_argument("--selftest", action="store_true")
    args = parser.parse_args()
    if args.selftest:
        selftest()
        return
    if not args.video:
        parser.error("a video is required")
    import time
    near = args.near_ms if args.near_ms is not None else int(time.time() * 1000)
    json.dump(analyse(args.video, args.gap_ms, near), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
