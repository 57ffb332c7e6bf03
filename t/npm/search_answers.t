# Search answers each Apache process keeps (TsciRegistrySearchCache): the
# same query asked again on one connection (one child) is answered from
# memory, byte for byte, its "time" too, until a package write anywhere;
# the very next search after a write, through any child, sees it.  An
# answer that depends on who asks is never kept nor served from what was
# kept: a restricted package among the candidates, or a Location with
# read rules (whose store another Location without rules shares).
# Many connections asking one new query at once (each process computes
# it once, the others waiting for it) all get the whole answer.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use LWP::UserAgent ();
use HTTP::Request ();
use JSON::PP ();
use Time::HiRes qw(sleep);
use POSIX ();
use File::Temp ();
use TsciTest qw(base_url req json_of adduser publish publish_body unique);

Apache::Test::plan(tests => 25, have_lwp);

my $base = base_url('/npm/');
# A word only this run has.
my $w = 'zk' . $$ . time;
my $owner = unique('answers');
my $otok = adduser($base, $owner, 'answers-pass-1');
my $json = JSON::PP->new;

# One keep-alive connection: every question on it goes to one child.
my $ua = LWP::UserAgent->new(keep_alive => 1, timeout => 30);
sub ask {
    my ($url, $token) = @_;
    my $r = HTTP::Request->new(GET => $url);
    $r->header(Authorization => "Bearer $token") if $token;
    my $res = $ua->request($r);
    my $d = eval { $json->decode($res->content) } || {};
    return { code => $res->code, body => $res->content, d => $d,
             names => join(' ', sort map { $_->{package}{name} }
                                     @{ $d->{objects} || [] }) };
}

my $q = "${base}-/v1/search?text=$w";
is publish($base, $otok, name => "$w-one", version => '1.0.0',
           extra => { keywords => [$w] })->code, 201, 'a package of the word';

my $first = ask($q);
is_deeply [$first->{code}, $first->{names}, $first->{d}{total}],
          [200, "$w-one", 1], 'asked once: the package';
sleep 0.05;
my $again = ask($q);
is $again->{body}, $first->{body},
   'asked again on the same connection: the same bytes, its time too '
   . '(kept, not searched again)';
is $again->{d}{time}, $first->{d}{time}, 'so the same time';
like $first->{body}, qr/"time"/, 'an answer carries its time';

# A write, through another connection (any child): the next search sees it.
is publish($base, $otok, name => "$w-two", version => '1.0.0',
           extra => { keywords => [$w] })->code, 201,
   'another package of the word, published on another connection';
my $after = ask($q);
is_deeply [$after->{names}, $after->{d}{total}], ["$w-one $w-two", 2],
   'the very next search finds it';
isnt $after->{d}{time}, $first->{d}{time}, 'a new answer';
# On the SQL store the node's look at the changes feed (every
# TsciRegistryViewLag, 100 ms) brings its own write back once more, and
# the answer is made anew once then: past that, it is kept again.
sleep 0.3;
my $later = ask($q);
sleep 0.05;
is ask($q)->{body}, $later->{body}, 'and the next answer is kept in turn';

# Unpublished: gone from the next answer.
my $rev = json_of(req(GET => "$base$w-two", token => $otok))->{_rev};
is req(DELETE => "$base$w-two/-rev/$rev", token => $otok)->code, 200,
   'the second package unpublished';
is ask($q)->{names}, "$w-one", 'the next search leaves it out';

# A query parameter is part of what was asked.
is ask("$q&size=1")->{d}{total}, 1, 'size=1: an answer of its own';
is scalar @{ ask("$q&size=1")->{d}{objects} }, 1, 'of one hit';

# A write, then a crowd asks the new query at once: in each process one
# request computes it and the others wait for it (tsr_flight); every one
# gets the answer.
is publish($base, $otok, name => "$w-three", version => '1.0.0',
           extra => { keywords => [$w] })->code, 201, 'a third package';
my $crowd = 12;
my $dir = File::Temp::tempdir(CLEANUP => 1);
my %pid;
for my $i (1 .. $crowd) {
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my $a = LWP::UserAgent->new(timeout => 30)
                    ->get("$q&size=5");
        my $d = eval { $json->decode($a->content) } || {};
        open my $fh, '>', "$dir/$$.crowd" or POSIX::_exit(1);
        print $fh join(' ', $a->code, $d->{total} // '-',
                       sort map { $_->{package}{name} }
                            @{ $d->{objects} || [] });
        close $fh;
        POSIX::_exit(0);
    }
    $pid{$pid} = 1;
}
my @got;
for my $pid (keys %pid) {
    waitpid $pid, 0;
    open my $fh, '<', "$dir/$pid.crowd" or next;
    push @got, scalar <$fh>;
    unlink "$dir/$pid.crowd";
}
is scalar @got, $crowd, 'every one of the crowd answered';
is_deeply [grep { $_ ne "200 2 $w-one $w-three" } @got], [],
   'and every answer is the whole one';

# A restricted package among the candidates: its maintainer's answer is
# never served to anyone else, nor anyone's answer kept.
my $secret = "\@$owner/$w-secret";
(my $esc = $secret) =~ s{/}{%2f};
my $body = publish_body(name => $secret, version => '1.0.0',
                        extra => { keywords => [$w] });
$body->{access} = 'restricted';
is req(PUT => "$base$esc", token => $otok, body => $body)->code, 201,
   'a restricted package of the word';
my $mine = ask($q, $otok);
is $mine->{names}, "$secret $w-one $w-three", 'its maintainer finds it';
my $anon = ask($q);
is $anon->{names}, "$w-one $w-three", 'asked next on the same connection, '
   . 'anonymously: not there';
sleep 0.05;
my $anon2 = ask($q);
is $anon2->{names}, "$w-one $w-three", 'nor the time after';
isnt $anon2->{d}{time}, $anon->{d}{time},
   'an answer a restricted package had a say in is not kept';

# Read rules: /rules/ shares /npm/'s store; /npm/ keeps its answer, which
# /rules/ must not serve (internal-* there is teamwriter's alone).
my $rules = base_url('/rules/');
my $wtok = adduser($rules, 'teamwriter', 'team-pass-1');
my $internal = "internal-$w";
is publish($rules, $wtok, name => $internal, version => '1.0.0',
           extra => { keywords => ["${w}r"] })->code, 201,
   'teamwriter publishes internal-* under /rules/';
my $text = "-/v1/search?text=keywords%3A${w}r";
ask("$base$text");
is ask("$base$text")->{names}, $internal,
   '/npm/ has no rules: found (and kept)';
is ask("$rules$text")->{names}, '',
   '/rules/ anonymously, on the same connection: hidden all the same';
is ask("$rules$text", $wtok)->{names}, $internal, 'teamwriter finds it there';
