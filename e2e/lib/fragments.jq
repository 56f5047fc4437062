# the last chunk of a replaced (earlier) epoch, or of the last one when its recorder was killed
# too ($lastKilled: OpenVidu's start removed it, the host crashed), dropped as too short or
# undecodable: its recorder was killed a fraction of a second into it, so it holds (next to) no
# media; that loss is in the gap figure. Chunks dropped as a blank tail (recorded on a blank screen
# after the session was lost) or as recorded after the loss (the cut at the loss) are listed apart.
# Answers {fragments: [seq...], gaps: [seq...], dropped: n (not counting those two), blank:
# [{seq, epoch}...], afterLoss: [{seq, epoch}...]}.
(.chunks // []) as $c | (.finalization.keptUnreported // []) as $u | (.dropped // []) as $d
| ([$c[].epoch, $u[].epoch, $d[].epoch] | max) as $last
| [ $d[] | . as $x
    | select(($x.epoch < $last or $lastKilled) and ($x.reason | test("^(too short|undecodable)")))
    | select(([$c[], $u[], $d[]] | map(select(.epoch == $x.epoch) | .seq) | max) == $x.seq)
    | $x.seq ] as $frag
| ($d | map(select(.reason | startswith("blank tail:")))) as $blank
| ($d | map(select(.reason | startswith("after the loss:")))) as $loss
| {fragments: $frag, gaps: [(.finalization.gaps // [])[] | range(.fromSeq; .toSeq + 1)],
   dropped: (($d | length) - ($blank | length) - ($loss | length)), blank: [$blank[] | {seq, epoch}],
   afterLoss: [$loss[] | {seq, epoch}]}
