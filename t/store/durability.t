# Durability: Apache's children are killed with SIGKILL while publishes
# run.  Meanwhile reads keep being answered; no child dies of a signal the
# test did not send, and none leaves a core.  After a restart every
# publish that was answered 2xx is there and readable, the store opens
# cleanly and takes writes, and no tarball on disk or on the wire is half
# written; none is left that no packument lists (nor anything in
# the staging area).
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use Digest::SHA qw(sha1_hex);
use File::Find ();
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);
use LWP::UserAgent ();
use HTTP::Request ();
use JSON::PP ();
use Time::HiRes qw(sleep time);
use TsciTest qw(on_dbd on_prefork base_url req json_of make_tarball publish_body adduser
                unique data_dir t_var publish signal_deaths start_reader
                read_report children_of);

Apache::Test::plan(tests => 22, have_lwp);

my $base = base_url('/npm/');
my $token = adduser($base, unique('durable'), 'durable-pass-1');
my $cfg = Apache::Test::config();
my $pidfile = $cfg->{vars}{t_pid_file};
my $log = t_var() . '/durability-acks';
unlink glob "$log.*";

# Before anything is killed: no child of this server has died of a signal
# in the tests that ran so far (this file runs last).
my $errlog = $cfg->{vars}{t_logs} . '/error_log';

# Lines saying a child died of a signal other than SIGKILL, since the
# server last started.
sub crashes_since_start {
    my @crashes;
    open my $el, '<', $errlog or return;
    while (<$el>) {
        @crashes = () if /resuming normal operations/;
        push @crashes, $_ if /exit signal (?!Killed)/;
    }
    return @crashes;
}
my @crashes = crashes_since_start();
is "@crashes", '', 'no child crashed in the tests before this one';

my $WRITERS = 6;
my $SECONDS = 10;

# A package that exists before the storm, for the reader.
my $known = unique('durable-known');
is publish($base, $token, name => $known, version => '1.0.0')->code, 201,
   'a package to read during the storm';

# Where the storm starts in the error log.
my $errlog_from = 0;
if (open my $el, '<', $errlog) {
    1 while <$el>;
    $errlog_from = $.;
}

sub parent_pid {
    open my $fh, '<', $pidfile or return;
    my $pid = <$fh>;
    chomp $pid;
    return $pid;
}

# Writers: publish new packages as fast as they can; log each one the
# registry acknowledged, with the tarball's digest.
my $json = JSON::PP->new->canonical;
my @writers;
for my $w (1 .. $WRITERS) {
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my $ua = LWP::UserAgent->new(timeout => 20, keep_alive => 1);
        open my $out, '>>', "$log.$w" or die $!;
        $out->autoflush(1);
        my $end = time + $SECONDS;
        my $n = 0;
        while (time < $end) {
            my $name = sprintf 'durable-%d-%d-%d', $$, $w, $n++;
            my $tgz = make_tarball(name => $name, version => '1.0.0',
                                   index => "module.exports = $n;\n" . ('x' x (500 * ($n % 20))));
            my $r = HTTP::Request->new(PUT => "$base$name");
            $r->header(Authorization => "Bearer $token");
            $r->header('Content-Type' => 'application/json');
            $r->content($json->encode(publish_body(name => $name,
                version => '1.0.0', tarball => $tgz)));
            my $res = $ua->request($r);
            print $out "$name ", sha1_hex($tgz), "\n" if $res->is_success;
        }
        exit 0;
    }
    push @writers, $pid;
}

# The reader: GETs of the existing packument all through the storm, each
# on a fresh connection, recording when and what was answered.
my $reads = t_var() . '/durability-reads';
my $reader = start_reader("$base$known", $reads, $SECONDS);

# The killer: SIGKILL a random child every 0.4 s while the writers run.
my ($killed, %sent) = (0);
my $stop = time + $SECONDS - 1;
while (time < $stop) {
    sleep 0.4;
    my @kids = children_of(parent_pid() // 0);
    next unless @kids;
    my $victim = $kids[int rand @kids];
    $sent{$victim} = 1;
    $killed += kill 'KILL', $victim;
}
waitpid $_, 0 for @writers, $reader;
ok $killed >= 5, "killed $killed children under load";

# Every child that died of a signal died of our SIGKILL: a SIGSEGV,
# SIGABRT or SIGBUS, or a SIGKILL from anyone else (the server killing its
# own children to recover), is a failure of the store, not a diagnostic.
# The cores stay where Apache left them.
my @foreign = grep { $_->[1] ne 'Killed' || !$sent{$_->[0]} }
              signal_deaths($errlog, $errlog_from);
is scalar(@foreign), 0,
   'no child died of a signal the test did not send'
    or diag join '', map { $_->[2] } @foreign[0 .. ($#foreign > 9 ? 9 : $#foreign)];
# Apache does not log a child that died of SIGKILL, so a SIGKILL the test
# did not send shows as the server restarting its children on its own
# (SIGHUP or a graceful restart) in the storm's lines of the log.
my @restarts;
if (open my $el, '<', $errlog) {
    while (<$el>) {
        push @restarts, $_ if $. > $errlog_from
            && /AH00494|AH00493|SIGHUP received|Graceful restart requested/;
    }
}
is scalar(@restarts), 0,
   'the server did not restart (kill) its children during the storm'
    or diag join '', @restarts[0 .. ($#restarts > 4 ? 4 : $#restarts)];
my $t_dir = $cfg->{vars}{t_dir};
my @cores = grep { -f } glob "$t_dir/core $t_dir/core.*";
is "@cores", '', 'no child left a core file';

# Reads were answered all through the storm.  The reader opens a fresh
# connection per GET, so a kill can break at most the one read in flight
# on the killed child: a read with no answer is allowed once per kill;
# an answer of 5xx never is (a child that answers is alive, and must
# serve a read).
# On the SQL store a child's first reads open its database connections
# (PostgreSQL forks a backend for each), so with a child killed every
# 0.4 s reads last longer (up to half a second on a 2-CPU machine, where
# Berkeley DB's take milliseconds), and a read can also be lost queued
# on a child as it dies: the bounds are wider there.  Under prefork the
# writers' keep-alive connections hold four of the few children, and the
# parent replaces killed ones at its own pace (its upkeep runs once a
# second): two or three kills in a row can leave no idle child for a
# while (gaps of 1.1-1.8 s, once 3.4 s, in six runs on a quiet machine).
my $rep = read_report($reads);
my ($max_gap, $per_kill) = on_dbd() ? (3, 1.5) : on_prefork() ? (5, 1)
                                                              : (2, 1);
diag sprintf 'reads during the storm: %d (%s), longest time without '
             . 'a successful read %.2f s', $rep->{n}, $rep->{statuses},
             $rep->{gap};
# The reader must have run all along (37 reads on a quiet machine, under
# half of that beside another suite's pass): at least 10.
ok $rep->{n} >= 10 && $rep->{gap} <= $max_gap,
   sprintf 'never more than %d s without a successful read (longest %.2f s)',
           $max_gap, $rep->{gap};
is $rep->{s5xx}, 0, 'no read was answered 5xx';
ok $rep->{failed} <= $per_kill * $killed,
   "reads left unanswered ($rep->{failed}) at most $per_kill per kill "
   . "($killed)";

my %acked;
for my $f (glob "$log.*") {
    open my $fh, '<', $f or die $!;
    while (<$fh>) {
        my ($name, $sha) = split;
        $acked{$name} = $sha;
    }
}
ok scalar(keys %acked) > 20, scalar(keys %acked) . ' publishes acknowledged';

# Stop and start the whole server, as after a crash of the machine's
# Apache: the store is recovered before children start.
my $server = $cfg->server;
$server->stop;
ok $server->start, 'server starts again';

# Writes work again (there is a short outage if the environment needed a
# full recovery: the parent restarts everything then).
my $probe = unique('after-crash');
my $code = 0;
for (1 .. 60) {
    my $r = req(PUT => "$base$probe", token => $token,
                body => publish_body(name => $probe, version => '1.0.0'));
    $code = $r->code;
    last if $code == 201;
    sleep 1;
}
is $code, 201, 'the store takes writes after the restart';

# With the server stopped cleanly, Berkeley DB's own verifier checks every
# database the restart recovered.
$server->stop;
my $home = data_dir() . '/db';
my @unsound;
for my $db (map { (split m{/})[-1] } glob "$home/*.db") {
    my $out = `timeout -s KILL 60 db5.3_verify -h \Q$home\E \Q$db\E 2>&1`;
    push @unsound, "$db: $out" if $? != 0 || $out !~ /succeeded/;
}
is "@unsound", '', 'db5.3_verify finds every database sound';
$server->start or die 'server did not start again';

# Every acknowledged publish is there, and its tarball is the one sent.
my ($missing, $bad_tgz) = (0, 0);
for my $name (sort keys %acked) {
    my $d = json_of(req(GET => "$base$name"));
    my $v = $d && $d->{versions}{'1.0.0'};
    if (!$v || $v->{dist}{shasum} ne $acked{$name}) {
        $missing++;
        diag "lost: $name";
        next;
    }
    my $t = req(GET => $v->{dist}{tarball});
    $bad_tgz++ unless $t->code == 200 && sha1_hex($t->content) eq $acked{$name};
}
is $missing, 0, 'no acknowledged publish was lost';
is $bad_tgz, 0, 'every acknowledged tarball is served whole';

# No tarball file on disk is half written: each one inflates fully, and
# the name it sits under is the package in it.
my ($files, $broken) = (0, 0);
File::Find::find({ no_chdir => 1, wanted => sub {
    return unless -f $_ && /\.tgz$/;
    $files++;
    my $plain;
    $broken++, diag("broken: $_") unless gunzip($_ => \$plain);
} }, data_dir() . '/tarballs');
ok $files >= scalar keys %acked, "$files tarball files on disk";
is $broken, 0, 'none of them is truncated';

# Every tarball file on disk is one a packument lists: those linked by
# publishes killed before their commit were removed at the restart.  The
# packuments are read as the administrator (t/conf/extra.conf.in), who
# also sees the restricted packages other tests made.
my $admin = adduser($base, 'regadmin', 'regadmin-pass-1');
my (%listed, @orphans);
File::Find::find({ no_chdir => 1, wanted => sub {
    return unless -f $_ && /\.tgz$/;
    my ($path) = m{/tarballs/(.+)$};
    my ($name) = $path =~ m{^(.+)/-/[^/]+$};
    (my $esc = $name) =~ s{/}{%2f};
    $listed{$name} //= { map { ($_->{dist}{tarball} // '') => 1 }
        values %{ (json_of(req(GET => "$base$esc", token => $admin))
                   // {})->{versions}
                  // {} } };
    push @orphans, $path
        unless grep { m{/\Q$path\E$} } keys %{ $listed{$name} };
} }, data_dir() . '/tarballs');
SKIP: {
    skip 'not yet on the SQL store (issue 19): tarballs of a publish killed '
       . 'before its commit are not swept (no one node may)', 2 if on_dbd();
    is "@orphans", '', 'no tarball on disk that no packument lists';
    my @left = glob data_dir() . '/tmp/*';
    is "@left", '', 'nothing left in the staging area';
}

# Every recovery the parent started (a child killed inside the store)
# finished, and none failed: the store never waited for an administrator.
my ($started, $recovered, $failed) = (0, 0, 0);
if (open my $el, '<', $errlog) {
    while (<$el>) {
        $started++ if /TSR00011/;
        $recovered++ if /TSR00012: registry store recovered/;
        $failed++ if /TSR00012: registry store NOT recovered/;
    }
}
SKIP: {
    skip "Berkeley DB only: its recovery after a child died inside it", 1
        if on_dbd();
    ok $recovered == $started && $failed == 0,
       "every recovery finished ($started started, $recovered done, $failed "
       . 'failed)';
}

# Staging files of interrupted publishes are never under a tarball URL.
my @staged = glob data_dir() . '/tmp/*';
my $r = req(GET => "${base}x/-/../../tmp/" . ((split m{/}, $staged[0] // 'none.tgz.part')[-1]));
ok $r->code >= 400, 'staging area not reachable by URL';
my $meta = json_of(req(GET => $base));
ok $meta && $meta->{doc_count} >= scalar keys %acked, 'GET / counts them';
