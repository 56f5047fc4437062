-- Adds a recording to its session's recording index (RecordingStateMachine: OpenVidu's
-- recordingStatusChanged) and keeps the index for its time to live from this event
-- (sessionDestroyed deletes it). One round trip: this runs before OpenVidu gets its answer.
-- KEYS: 1 the session's recording index
-- ARGV: 1 the recording id, 2 the index's time to live (s)
-- Returns: INDEXED
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return {'INDEXED'}
