# No state of the store needs an administrator: an Apache with one child
# (event MPM, ServerLimit 1) whose child is SIGKILLed again and again
# while publishes run answers a read and takes a publish within a bounded
# time after the storm.  A child killed while it holds a Berkeley DB region
# mutex leaves that mutex locked; if nothing detects it, every new child
# blocks for ever in child_init and the registry never answers again.
# This file starts an Apache of its own (TsciTest::spare_port 0)
# and always stops it.
use strict;
use warnings;
no warnings 'portable';    # 64-bit addresses from /proc/<pid>/maps
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use LWP::UserAgent ();
use JSON::PP ();
use Time::HiRes qw(sleep time);
use TsciTest qw(bdb_only json_of publish_body adduser unique children_of
                signal_deaths own_apache start_writers);

# One long storm finds a hang as well as many short ones (a hung store
# stays hung), and spends no time on recovery checks in between; Apache
# starts the next child about once a second, so a storm of 15 s is about
# 15 tries.
my $ROUNDS = $ENV{TSCI_HANG_ROUNDS} // 1;  # storms, each followed by the recovery check
my $STORM = $ENV{TSCI_HANG_STORM} // 15;   # seconds of publishes and kills per round
my $WRITERS = $ENV{TSCI_HANG_WRITERS} // 10;
my $RECOVER = 15;      # seconds allowed to answer again after a storm

Apache::Test::plan(tests => 4 + 3 * $ROUNDS,
    Apache::Test::need(have_lwp,
        bdb_only("children killed holding its mutexes")));

my $port = $ENV{TSCI_HANG_PORT} // TsciTest::spare_port(0);
# A small cache (Berkeley DB reads DB_CONFIG in the environment's home):
# the memory pool then allocates and evicts buffers all the time, under
# its region mutex, which widens the window for a kill to land while that
# mutex is held; it changes nothing else.
my $ap = own_apache(name => 'hang', port => $port,
                    db_config => $ENV{TSCI_HANG_DB_CONFIG}
                                 // "set_cachesize 0 524288 1\n");
END { $ap->{stop}->() if $ap }

ok $ap->{up}, "own Apache (ServerLimit 1) answers on port $port"
    or diag "start: rc $ap->{start_rc} $ap->{start_out}";
my $base = $ap->{base};
my $token = eval { adduser($base, unique('hang'), 'hang-pass-1') };
ok $token, 'a user to publish with' or diag $@;
my $ua = LWP::UserAgent->new(timeout => 3, keep_alive => 0);

sub put_pkg {
    my $name = shift;
    my $r = HTTP::Request->new(PUT => "$base$name");
    $r->header(Authorization => "Bearer $token");
    $r->header('Content-Type' => 'application/json');
    $r->content(JSON::PP->new->encode(publish_body(name => $name,
                                                   version => '1.0.0')));
    return $ua->request($r);
}
my $known = unique('hang-known');
is put_pkg($known)->code, 201, 'a package to read during the test';

my ($killed_total, $targeted, %sent) = (0, 0);

# Whether a thread of $pid is in futex(2) on an address inside one of
# the environment's region files (__db.NNN) mapped by that process.
sub waits_in_region {
    my $pid = shift;
    my @ranges;
    open my $m, '<', "/proc/$pid/maps" or return 0;
    while (<$m>) {
        push @ranges, [hex $1, hex $2] if m{^([0-9a-f]+)-([0-9a-f]+) .*/__db\.\d+$};
    }
    return 0 unless @ranges;
    for my $task (glob "/proc/$pid/task/*") {
        open my $sc, '<', "$task/syscall" or next;
        my $line = <$sc> // '';
        # x86_64 futex is 202, aarch64 98.
        next unless $line =~ /^(?:202|98) (0x[0-9a-f]+)/;
        my $addr = hex $1;
        return 1 if grep { $addr >= $_->[0] && $addr < $_->[1] } @ranges;
    }
    return 0;
}
for my $round (1 .. $ROUNDS) {
    my @writers = start_writers(n => $WRITERS, seconds => $STORM,
                                base => $base, token => $token,
                                prefix => "hang$round", timeout => 5,
                                shared => $round % 2);
    # Kill the only child while one of its threads waits on a futex that
    # lies in the environment's shared regions (a Berkeley DB mutex or
    # condition another of its threads holds: with one child, the holder
    # is in the same process), so the kill leaves a region mutex locked,
    # as a kill at the wrong moment does by chance in production.  Where
    # /proc does not tell, or no such moment comes within 0.6 s, kill at
    # a random moment instead.
    my $killed = 0;
    my $stop = time + $STORM - 0.5;
    my ($kid, $since) = (0, time);
    while (time < $stop) {
        my $ppid = $ap->{pid}->() or next;
        # Not the ones killed already (zombies until Apache reaps them).
        my @kids = grep { !$sent{$_} } children_of($ppid);
        if (!@kids) {
            sleep 0.0005;
            next;
        }
        ($kid, $since) = ($kids[0], time) if $kids[0] != $kid;
        my $waits = waits_in_region($kid);
        next unless $waits || time - $since > 0.6;
        $targeted++ if $waits;
        for my $k (@kids) {
            $sent{$k} = 1;
            $killed += kill 'KILL', $k;
        }
    }
    waitpid $_, 0 for @writers;
    $killed_total += $killed;
    ok $killed >= $STORM / 4, "round $round: killed the child $killed times";

    # Now nobody kills: the registry must come back by itself.
    my $t0 = time;
    my ($read, $wrote, $rcode, $wcode) = (0, 0, 0, 0);
    while (time - $t0 < $RECOVER && !($read && $wrote)) {
        if (!$read) {
            my $r = $ua->get("$base$known");
            $rcode = $r->code;
            $read = $rcode == 200 && (json_of($r) // {})->{name};
        }
        if ($read && !$wrote) {
            $wcode = put_pkg(unique("hang-after$round"))->code;
            $wrote = $wcode == 201;
        }
        sleep 0.2 unless $read && $wrote;
    }
    my $took = sprintf '%.1f', time - $t0;
    ok $read, "round $round: a read is answered within $RECOVER s "
              . "(after $took s, last status $rcode)";
    ok $wrote, "round $round: a publish is taken within $RECOVER s "
               . "(last status $wcode)";
    if (!($read && $wrote)) {
        my $ppid = $ap->{pid}->() // 0;
        my @kids = children_of($ppid);
        diag "round $round: parent $ppid, children @kids";
        for my $kid (@kids) {
            my $wchan = `cat /proc/$kid/wchan 2>/dev/null`;
            diag "child $kid waits in " . ($wchan || '?');
            # Where, when a debugger is at hand.
            diag `gdb -p $kid -batch -ex 'thread apply all bt' 2>/dev/null | grep -E '^(#|Thread)' | grep -B1 -A14 -E 'pthread_mutex_lock|cond_destroy|futex' | head -60`
                if -x '/usr/bin/gdb';
        }
        # Nothing more to learn from further rounds on a hung registry.
        for my $r ($round + 1 .. $ROUNDS) {
            ok 0, "round $r: not run, the registry hung" for 1 .. 3;
        }
        last;
    }
}

# Every child that died of a signal was one this file killed, with
# SIGKILL; a SIGSEGV, SIGABRT or SIGBUS (or a SIGKILL sent by someone
# else) is a crash.
my @crashes = grep { $_->[1] ne 'Killed' || !$sent{$_->[0]} }
    signal_deaths($ap->{errlog});
is scalar(@crashes), 0, "no child died of a signal this file did not send "
                        . "($killed_total kills, $targeted while a "
                        . "thread waited on a region futex)"
    or diag join '', map { $_->[2] } @crashes[0 .. ($#crashes > 9 ? 9 : $#crashes)];
